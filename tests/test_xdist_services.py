"""Each xdist worker's own Redis database."""

from tests.xdist_services import redis_url_for_worker


def test_the_worker_index_moves_the_database_number():
    assert redis_url_for_worker("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/0"
    assert redis_url_for_worker("redis://127.0.0.1:6379/0", "gw1") == "redis://127.0.0.1:6379/1"
    assert redis_url_for_worker("redis://127.0.0.1:6379/4", "gw2") == "redis://127.0.0.1:6379/6"


def test_no_database_number_means_zero_and_it_wraps_at_sixteen():
    assert redis_url_for_worker("redis://h:6379", "gw1") == "redis://h:6379/1"
    assert redis_url_for_worker("redis://:pw@h:6379/15", "gw1") == "redis://:pw@h:6379/0"
