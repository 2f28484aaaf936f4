package io.bifrost.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.bifrost.protocol.Json;

/**
 * What a command measured: every run's figures, their medians (figure by figure), the probe's floor, and the
 * issue's budget judged on the medians. Printed as a table and written as JSON.
 */
final class Report {
    /** The figures the table shows, in order; every other figure is in the JSON. */
    private static final List<String> HEADLINES = List.of(
            "connect.established", "connect.failed", "connect.seconds", "connect.gateway_cpu_ms_per_socket",
            "connect.generator_cpu_ms_per_socket", "connect.gateway_core_use", "connect.generator_core_use",
            "reconnect.established", "reconnect.seconds", "reconnect.gateway_cpu_ms_per_socket",
            "reconnect.generator_cpu_ms_per_socket", "reconnect.gateway_core_use", "reconnect.generator_core_use",
            "reconnect.rss_mb",
            "broadcasts_sent", "broadcasts_accepted", "broadcasts_refused", "broadcasts_unanswered", "broadcasts_per_s",
            "deliveries_expected", "deliveries_received", "deliveries_lost", "deliveries_duplicated",
            "deliveries_missed_on_sockets_closed_by_gateway", "sockets_closed_by_gateway.", "deliveries_per_s",
            "latency_ms.count", "latency_ms.p50", "latency_ms.p90", "latency_ms.p99", "latency_ms.max",
            "publish_lag_ms.p99", "gateway_cpu_us_per_delivery", "all_servers_cpu_us_per_delivery", "gateway_core_use",
            "server_cpu_s.", "generator_core_use", "generator_cpu_us_per_delivery", "steal_s.all",
            "other_processes_cpu_s", "memory.rss_mb", "memory.rss_kb_per_socket", "memory.rss_added_kb_per_socket");

    private final Options options;
    private final Map<String, Object> machine;
    private final OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
    private final List<Map<String, Object>> runs = new ArrayList<>();
    private final List<Probe.Result> probes = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private List<Budget.Line> budget = List.of();
    private OffsetDateTime finished;

    Report(Options options, Map<String, Object> machine) {
        this.options = options;
        this.machine = machine;
    }

    void addRun(Map<String, Object> run) {
        runs.add(run);
    }

    void addProbes(List<Probe.Result> results) {
        probes.addAll(results);
    }

    void note(String note) {
        notes.add(note);
    }

    List<Map<String, Object>> runs() {
        return runs;
    }

    void finish() {
        finished = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        List<Map<String, Double>> flat = flatRuns();
        for (int i = 0; i < flat.size(); i++) {
            for (Map.Entry<String, Double> e : flat.get(i).entrySet()) {
                if (!e.getKey().endsWith(".other_processes_cpu_s")) {
                    continue;
                }
                String phase = e.getKey().substring(0, e.getKey().length() - ".other_processes_cpu_s".length());
                double seconds = flat.get(i).getOrDefault(phase + ".seconds", Double.NaN);
                if (e.getValue() > 0.1 * seconds) {
                    note(String.format(Locale.ROOT, "run %d, %s: other processes used %.1f CPU s in %.1f s;"
                            + " its figures are contaminated (see --wait-quiet)", i + 1, phase, e.getValue(), seconds));
                }
            }
        }
        budget = Budget.judge(options, medians(), flatRuns(), probeFloor(true), pacedFloor());
    }

    /** The median of the probe's CPU per write, TCP_NODELAY on or off; NaN without probe runs. */
    double probeFloor(boolean nodelay) {
        return median(probes.stream().filter(p -> !p.paced() && p.nodelay() == nodelay)
                .mapToDouble(Probe.Result::cpuMicrosPerWrite).toArray());
    }

    /** The median of the paced probe's CPU per write (bursts to sleeping readers); NaN without paced runs. */
    double pacedFloor() {
        return median(probes.stream().filter(Probe.Result::paced).mapToDouble(Probe.Result::cpuMicrosPerWrite)
                .toArray());
    }

    List<Map<String, Double>> flatRuns() {
        List<Map<String, Double>> flat = new ArrayList<>();
        for (Map<String, Object> run : runs) {
            Map<String, Double> f = new LinkedHashMap<>();
            flatten("", run, f);
            flat.add(f);
        }
        return flat;
    }

    /** Figure by figure, the median over the runs that have it. */
    Map<String, Double> medians() {
        List<Map<String, Double>> flat = flatRuns();
        Map<String, Double> medians = new LinkedHashMap<>();
        if (flat.isEmpty()) {
            return medians;
        }
        List<String> keys = new ArrayList<>();
        flat.forEach(f -> f.keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add));
        for (String key : keys) {
            double[] values = flat.stream().filter(f -> f.containsKey(key)).mapToDouble(f -> f.get(key)).toArray();
            medians.put(key, median(values));
        }
        return medians;
    }

    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void flatten(String prefix, Object value, Map<String, Double> out) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, out));
        } else if (value instanceof Number n) {
            out.put(prefix, n.doubleValue());
        } else if (value instanceof Boolean b) {
            out.put(prefix, b ? 1.0 : 0.0);
        }
    }

    void print(PrintStream out) {
        out.println();
        out.println("== bifrost bench " + options.scenario().command() + " — " + options.scenario().description());
        out.println("   " + options.command());
        out.println("   " + started + ", " + machine.get("cpus") + " CPUs (" + machine.get("cpu_model") + "), "
                + machine.get("memory_gb") + " GB, kernel " + machine.get("kernel") + ", " + machine.get("jdk"));
        out.println("   servers pinned to CPU " + machine.get("server_cpus") + ", generator on CPU "
                + machine.get("generator_cpus") + ", nice " + machine.get("nice") + "; gateway " + machine.get("git_commit")
                + (((List<?>) machine.get("gateway_sources_modified")).isEmpty() ? "" : " + uncommitted changes"));
        List<Map<String, Double>> flat = flatRuns();
        Map<String, Double> medians = medians();
        if (!flat.isEmpty()) {
            out.println();
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-62s", "figure"));
            for (int i = 1; i <= flat.size(); i++) {
                header.append(String.format(Locale.ROOT, "%14s", "run " + i));
            }
            header.append(String.format(Locale.ROOT, "%14s", "median"));
            out.println(header);
            for (String key : medians.keySet()) {
                if (!headline(key)) {
                    continue;
                }
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-62s", key));
                for (Map<String, Double> f : flat) {
                    row.append(String.format(Locale.ROOT, "%14s", number(f.get(key))));
                }
                row.append(String.format(Locale.ROOT, "%14s", number(medians.get(key))));
                out.println(row);
            }
        }
        if (!probes.isEmpty()) {
            out.println();
            for (Probe.Result p : probes) {
                out.println((p.paced() ? "paced probe: " : "probe: ") + p.line()
                        + (p.nodelay() ? " (TCP_NODELAY)" : " (Nagle)"));
            }
            out.println(String.format(Locale.ROOT, "probe floor (median): %.2f µs CPU per write with TCP_NODELAY%s",
                    probeFloor(true), Double.isNaN(probeFloor(false)) ? ""
                            : String.format(Locale.ROOT, ", %.2f µs without", probeFloor(false))));
            if (!Double.isNaN(pacedFloor())) {
                out.println(String.format(Locale.ROOT, "paced probe floor (median): %.2f µs CPU per write to a sleeping"
                        + " reader", pacedFloor()));
            }
        }
        if (!budget.isEmpty()) {
            out.println();
            out.println("budget (issue 5), on the medians:");
            for (Budget.Line line : budget) {
                out.println(String.format(Locale.ROOT, "  %-7s %s: %s", line.verdict(), line.target(),
                        line.measured()));
            }
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
    }

    private static boolean headline(String key) {
        for (String h : HEADLINES) {
            if (key.equals(h) || key.endsWith("." + h) || (h.endsWith(".") && key.contains("." + h))
                    || (h.endsWith(".") && key.startsWith(h))) {
                return true;
            }
        }
        return false;
    }

    private static String number(Double v) {
        if (v == null) {
            return "-";
        }
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", v.longValue());
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", options.scenario().command());
        m.put("description", options.scenario().description());
        m.put("command", options.command());
        m.put("started", started.toString());
        m.put("finished", finished == null ? null : finished.toString());
        m.put("machine", machine);
        m.put("options", options.toMap());
        m.put("runs", runs);
        m.put("medians", new TreeMap<>(medians()));
        List<Map<String, Object>> probeMaps = probes.stream().map(Probe.Result::toMap).toList();
        m.put("probe", probeMaps);
        m.put("probe_floor_us_per_write_nodelay", probeFloor(true));
        m.put("probe_floor_us_per_write_nagle", probeFloor(false));
        m.put("paced_probe_floor_us_per_write", pacedFloor());
        m.put("budget", budget.stream().map(Budget.Line::toMap).toList());
        m.put("notes", notes);
        return m;
    }

    void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, Json.write(jsonSafe(toMap())) + "\n");
    }

    /** JSON has no NaN: unknown figures become null. */
    private static Object jsonSafe(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> m = new LinkedHashMap<>();
            map.forEach((k, v) -> m.put(k.toString(), jsonSafe(v)));
            return m;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Report::jsonSafe).toList();
        }
        if (value instanceof Double d && (d.isNaN() || d.isInfinite())) {
            return null;
        }
        return value;
    }
}
