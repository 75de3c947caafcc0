import Metrics
import Prometheus

/// The daemon's metrics, by the names `/metrics` shows them. The daemon records each where it happens, through
/// swift-metrics; `bootstrap` sends them to a Prometheus registry, which `/metrics` renders. Without `--http` nothing
/// is bootstrapped, and every record goes to swift-metrics' no-op handler.
public enum KilnMetrics {
    /// Builds handed to a build slot.
    public static let buildsStarted = "kiln_builds_started_total"
    /// Builds that ended, by `result`: `built`, `failed` or `cancelled`.
    public static let buildsFinished = "kiln_builds_finished_total"
    /// How long builds took, from the slot to the end, by `result`.
    public static let buildDuration = "kiln_build_duration_seconds"
    /// Builds running now.
    public static let buildsRunning = "kiln_builds_running"
    /// Builds waiting for a slot.
    public static let queueLength = "kiln_build_queue_length"
    /// One name's look: read its copies, decide, act.
    public static let reconcileDuration = "kiln_reconcile_duration_seconds"
    /// One full look at every environment (the start's, a periodic rescan, one after lost events).
    public static let rescanDuration = "kiln_rescan_duration_seconds"
    /// Times the inotify event queue overflowed, each followed by a full rescan.
    public static let inotifyOverflows = "kiln_inotify_overflows_total"
    /// Times the watcher asked for a full rescan, for any reason (an overflow among them).
    public static let watcherRescans = "kiln_watcher_rescans_total"
    /// Directories inotify watches now.
    public static let inotifyWatches = "kiln_inotify_watches"
    /// Copies on disk by `stage` and `state`, counted from the statuses at each scrape.
    public static let environments = "kiln_environments"

    /// Routes swift-metrics to a new Prometheus registry, with buckets that suit each duration; once per process.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[buildDuration] = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600].map {
            Duration.seconds($0)
        }
        factory.durationHistogramBuckets[rescanDuration] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        factory.durationHistogramBuckets[reconcileDuration] = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
            .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        // Counters and gauges exist from the start, at zero: a scrape before the first build or overflow has them.
        for counter in [buildsStarted, inotifyOverflows, watcherRescans] { Counter(label: counter).increment(by: 0) }
        for result in ["built", "failed", "cancelled"] {
            Counter(label: buildsFinished, dimensions: [("result", result)]).increment(by: 0)
        }
        for gauge in [buildsRunning, queueLength] { Gauge(label: gauge).record(0) }
        return registry
    }
}
