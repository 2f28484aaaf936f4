package io.bifrost.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 5's budget, judged on the medians of the runs (loss on every run: one lost delivery in any run is a loss).
 * The targets are for each scenario's default shape; with other options the verdicts are only indicative.
 */
final class Budget {
    private Budget() {
    }

    /**
     * @param target   what the issue asks
     * @param measured what was measured
     * @param verdict  MET, MISSED or "n/a"
     */
    record Line(String target, String measured, String verdict) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("measured", measured);
            m.put("verdict", verdict);
            return m;
        }
    }

    static List<Line> judge(Options o, Map<String, Double> medians, List<Map<String, Double>> runs, double floor,
                            double pacedFloor) {
        List<Line> lines = new ArrayList<>();
        switch (o.scenario()) {
            case FANOUT -> {
                double cpu = medians.getOrDefault("phases.fanout.gateway_cpu_us_per_delivery", Double.NaN);
                lines.add(new Line("gateway CPU per delivery ≤ 0.5 × the probe's CPU per write (TCP_NODELAY)",
                        f("%.2f µs vs 0.5 × %.2f = %.2f µs (%.2f× the probe)", cpu, floor, floor / 2, cpu / floor),
                        verdict(!Double.isNaN(floor) && !Double.isNaN(cpu), cpu <= floor / 2)));
                lines.add(noLoss(runs, "fanout"));
            }
            case FANOUT_PACED -> lines.add(latency(medians, "paced", 40));
            case CHANNELS -> {
                double rate = medians.getOrDefault("phases.channels.broadcasts_per_s", Double.NaN);
                double refused = max(runs, "phases.channels.broadcasts_refused")
                        + max(runs, "phases.channels.broadcasts_unanswered");
                double unsent = max(runs, "phases.channels.publisher.unsent_backlog_at_stop");
                boolean served = rate >= 0.98 * o.rate() && refused == 0 && unsent == 0;
                lines.add(new Line("all " + Rig.fmt(o.rate()) + " broadcasts/s served",
                        f("%.0f broadcasts/s accepted; at most %.0f refused or unanswered and %.0f left unsent in a run",
                                rate, refused, unsent), verdict(!Double.isNaN(rate), served)));
                lines.add(latency(medians, "channels", 15));
                double cpu = medians.getOrDefault("phases.channels.gateway_cpu_us_per_delivery", Double.NaN);
                lines.add(new Line("gateway CPU per delivery ≤ 12 µs (issue 13)", Double.isNaN(pacedFloor)
                        ? f("%.2f µs", cpu)
                        : f("%.2f µs; the paced probe's write alone costs %.2f µs (%.2f× it)", cpu, pacedFloor,
                                cpu / pacedFloor), verdict(!Double.isNaN(cpu), cpu <= 12)));
                lines.add(noLoss(runs, "channels"));
            }
            case IDLE -> {
                double established = min(runs, "connect.established");
                lines.add(new Line(o.sockets() + " sockets held on one instance",
                        f("at least %.0f established in every run; %.0f closed by the gateway while held", established,
                                maxPrefix(runs, "phases.hold.sockets_closed_by_gateway.")),
                        verdict(true, established >= o.sockets()
                                && maxPrefix(runs, "phases.hold.sockets_closed_by_gateway.") == 0)));
                double perSocket = medians.getOrDefault("memory.rss_kb_per_socket", Double.NaN);
                double added = medians.getOrDefault("memory.rss_added_kb_per_socket", Double.NaN);
                lines.add(new Line("≤ 8 KB RSS per socket (the process's whole RSS / sockets)",
                        f("%.1f KB per socket (%.1f KB added per socket over the idle gateway)", perSocket, added),
                        verdict(!Double.isNaN(perSocket), perSocket <= 8)));
                double cold = o.sockets() / medians.getOrDefault("connect.seconds", Double.NaN);
                double warm = o.sockets() / medians.getOrDefault("reconnect.seconds", Double.NaN);
                lines.add(new Line("≥ 2,000 sockets connected per second (issue 13)",
                        f("%.0f/s into a fresh gateway, %.0f/s when the cut sockets come back", cold, warm),
                        verdict(!Double.isNaN(cold) && !Double.isNaN(warm), cold >= 2000 && warm >= 2000)));
                double max = medians.getOrDefault("phases.hold.latency_ms.max", Double.NaN);
                lines.add(new Line("a broadcast to one socket arrives in < 50 ms while held (slowest of the run)",
                        f("%.1f ms", max), verdict(!Double.isNaN(max), max < 50)));
            }
            case CROSS -> {
                double silent = max(runs, "phases.cross_saturating.deliveries_lost")
                        + max(runs, "phases.cross_saturating.deliveries_duplicated");
                lines.add(new Line("0 lost silently at saturation (pushback by 503 or 4008 allowed)",
                        f("at most %.0f lost silently or duplicated in a run", silent), verdict(!runs.isEmpty(),
                                silent == 0)));
                lines.add(noLoss(runs, "cross_saturating"));
                double single = medians.getOrDefault("phases.single.deliveries_per_s", Double.NaN);
                double cross = medians.getOrDefault("phases.cross_saturating.deliveries_per_s", Double.NaN);
                lines.add(new Line("cross-instance throughput ≥ 0.8 × single-instance fanout",
                        f("%.0f vs %.0f deliveries/s: %.2f×", cross, single, cross / single),
                        verdict(!Double.isNaN(single) && !Double.isNaN(cross), cross >= 0.8 * single)));
            }
            case LIMIT -> {
                // the floor itself: nothing to judge
            }
        }
        double faults = maxPrefix(runs, "generator_faults");
        if (faults > 0) {
            lines.add(new Line("the generator itself dropped no socket (else the figures above are the tool's)",
                    f("%.0f sockets dropped by the generator in a run (see generator_faults)", faults), "MISSED"));
        }
        return lines;
    }

    private static Line latency(Map<String, Double> medians, String phase, double limitMs) {
        double p99 = medians.getOrDefault("phases." + phase + ".latency_ms.p99", Double.NaN);
        return new Line("end-to-end p99 ≤ " + Rig.fmt(limitMs) + " ms", f("%.2f ms", p99),
                verdict(!Double.isNaN(p99), p99 <= limitMs));
    }

    /**
     * Every owed delivery arrived once. A socket the gateway closed (4008) while this generator read it at a fraction
     * of its core was not slow: what it missed counts here too, as the gateway's failure to push back on publishers.
     */
    private static Line noLoss(List<Map<String, Double>> runs, String phase) {
        String p = "phases." + phase + ".";
        double lost = max(runs, p + "deliveries_lost");
        double duplicated = max(runs, p + "deliveries_duplicated");
        double notified = max(runs, p + "deliveries_missed_on_sockets_closed_by_gateway");
        double closed = maxPrefix(runs, p + "sockets_closed_by_gateway.");
        double generator = max(runs, p + "generator_core_use");
        double owed = runs.stream().mapToDouble(r -> r.getOrDefault(p + "deliveries_expected", 0.0)).min().orElse(0);
        String text = f("at most %.0f lost silently, %.0f duplicated, %.0f missed on %.0f sockets the gateway closed"
                + " (the generator used at most %.0f%% of its core, so no socket was slow)", lost, duplicated, notified,
                closed, generator * 100);
        if (owed == 0) {
            text += "; a run had no delivery owed at all (no socket left open?)";
        }
        return new Line("no delivery lost (" + phase + ")", text,
                verdict(!runs.isEmpty() && owed > 0, lost == 0 && duplicated == 0 && notified == 0));
    }

    private static double max(List<Map<String, Double>> runs, String key) {
        return runs.stream().mapToDouble(r -> r.getOrDefault(key, 0.0)).max().orElse(Double.NaN);
    }

    private static double min(List<Map<String, Double>> runs, String key) {
        return runs.stream().mapToDouble(r -> r.getOrDefault(key, 0.0)).min().orElse(Double.NaN);
    }

    /** The largest sum, over one run, of the figures under a prefix. */
    private static double maxPrefix(List<Map<String, Double>> runs, String prefix) {
        return runs.stream().mapToDouble(r -> r.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue).sum()).max().orElse(0);
    }

    private static String verdict(boolean measured, boolean met) {
        return !measured ? "n/a" : met ? "MET" : "MISSED";
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
