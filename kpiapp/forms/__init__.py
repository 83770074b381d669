"""Forms, one module per area: the data records, reports, targets and benchmarks, custom KPIs."""
