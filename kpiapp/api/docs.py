"""/api/v1/docs/: Swagger UI under the site's Content Security Policy.

drf-spectacular's split view serves the UI's start-up script as a file of its own (the plain
view inlines it), and our template leaves out the view's small inline <style>. What is left
is one exception, for this view only: Swagger UI's stylesheet draws its icons as `data:`
images, so `img-src` also allows `data:` here. Everything else is the site's policy.
"""

from __future__ import annotations

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerDocs(SpectacularSwaggerSplitView):
    template_name = "kpiapp/api_docs.html"


api_docs = csp_update({"img-src": ["'self'", "data:"]})(SwaggerDocs.as_view(url_name="api-schema"))
