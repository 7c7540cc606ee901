/// A controller's own group of series on the operator's registry (a Certificate's expiry, a SecretRotation's phase),
/// defined in the controller's module and obtained with ``KeywardMetrics/family(_:make:)``.
public protocol MetricFamily: AnyObject, Sendable {
    /// Series go on `metrics.registry`; per-object series in ``KeywardMetrics/objectSeries(_:_:kind:labels:)``, or in
    /// rows of the family's own that it renders at scrape time (``ObjectFamilySource``).
    init(metrics: KeywardMetrics)
}
