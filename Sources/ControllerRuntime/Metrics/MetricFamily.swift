/// A controller's own group of series on the operator's registry (a Certificate's expiry, a SecretRotation's phase),
/// defined in the controller's module and obtained with ``KeywardMetrics/family(_:make:)``.
public protocol MetricFamily: AnyObject, Sendable {
    /// Series go on `metrics.registry`, or, one per object, in ``KeywardMetrics/objectSeries(_:_:kind:labels:)``.
    init(metrics: KeywardMetrics)
}
