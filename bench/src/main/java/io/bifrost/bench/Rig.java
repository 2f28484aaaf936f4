package io.bifrost.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.bifrost.protocol.Tokens;

import org.HdrHistogram.Histogram;

/**
 * One run's apparatus: the servers (gateways, Redis) as child processes, the generator's loop, its sockets and its
 * publishers; and the measurement of a phase: counts from the ledger, CPU and memory from /proc around it.
 */
final class Rig implements AutoCloseable {
    private static final int SOCKETS_PER_SOURCE = 5_000;
    private static final List<String> METRICS = List.of("bifrost_deliveries_total",
            "bifrost_broadcasts_accepted_total", "bifrost_broadcasts_refused_total",
            "bifrost_slow_consumer_closes_total", "bifrost_broadcasts_held_total", "bifrost_redis_reconnects_total",
            "bifrost_sockets_open");

    private final Options options;
    private final Path runDir;
    private final Tokens tokens;
    private final EventLoop loop = new EventLoop();
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<Publisher> publishers = new ArrayList<>();
    private Fleet fleet;
    private String[] channelNames = new String[0];
    private final Map<String, Long> rssBeforeSockets = new LinkedHashMap<>();

    private Rig(Options options, Path runDir, String secret) {
        this.options = options;
        this.runDir = runDir;
        this.tokens = new Tokens(secret);
    }

    /**
     * Starts the servers: {@code gateways} gateway processes, on one Redis when {@code withRedis}.
     */
    static Rig start(Options options, Path runDir, int gateways, boolean withRedis)
            throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        byte[] raw = new byte[64];
        new java.security.SecureRandom().nextBytes(raw);
        String secret = java.util.HexFormat.of().formatHex(raw);
        Rig rig = new Rig(options, runDir, secret);
        try {
            Map<String, String> env = new HashMap<>();
            env.put("JWT_SECRET", secret);
            env.putAll(options.gatewayEnv());
            if (options.sendQueueBytes() > 0) {
                env.put("BIFROST_SEND_QUEUE_BYTES", String.valueOf(options.sendQueueBytes()));
            }
            if (withRedis && options.redisShards() > 0) {
                List<ServerProcess> shards = ServerProcess.redisCluster(options.gatewayCpus(), runDir,
                        options.redisShards());
                rig.servers.addAll(shards);
                env.put("REDIS_URL", String.join(",", shards.stream().map(r -> "redis://127.0.0.1:" + r.port())
                        .toList()));
                env.put("BIFROST_REDIS_CLUSTER", "true");
            } else if (withRedis) {
                ServerProcess redis = ServerProcess.redis(options.gatewayCpus(), runDir);
                rig.servers.add(redis);
                env.put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
            }
            ServerProcess.GatewayLaunch launch = new ServerProcess.GatewayLaunch(options.java(),
                    options.gatewayJar(), options.gatewayCpus(), options.gatewayJvmOptions(), env);
            for (int i = 0; i < gateways; i++) {
                rig.servers.add(ServerProcess.gateway("gateway-" + (char) ('A' + i), launch, Map.of(), runDir));
            }
            return rig;
        } catch (IOException | InterruptedException | RuntimeException e) {
            rig.close();
            throw e;
        }
    }

    List<ServerProcess> gateways() {
        return servers.stream().filter(s -> s.name().startsWith("gateway")).toList();
    }

    ServerProcess gateway(int i) {
        return gateways().get(i);
    }

    /**
     * Opens the sockets on the given gateways, spread over {@code channels} channels, and waits until every one is
     * subscribed or failed.
     *
     * @param capacity most broadcasts the run will send, over every phase
     * @return the connect figures
     */
    Map<String, Object> connect(List<ServerProcess> on, int sockets, int channels, int capacity)
            throws InterruptedException {
        double cpuBefore = 0;
        for (ServerProcess g : gateways()) {
            rssBeforeSockets.put(g.name(), Proc.rssBytes(g.pid()));
            cpuBefore += on.contains(g) ? Proc.cpuSeconds(g.pid()) : 0;
        }
        // Which side sets the pace of a connect storm: the generator's CPU (it mints a token per socket) beside the
        // gateway's.
        double generatorBefore = Proc.ownCpuSeconds();
        channelNames = new String[channels + 1];
        for (int c = 0; c < channels; c++) {
            channelNames[c] = "bench:" + c;
        }
        channelNames[channels] = "bench:nobody";
        List<InetAddress> sources = sourceAddresses(sockets);
        List<InetSocketAddress> targets = on.stream().map(ServerProcess::address).toList();
        String[] names = channelNames;
        fleet = new Fleet(loop, targets, sources, sockets, channels,
                c -> tokens.subscribeToken(List.of(names[c]), null), options.maxConnecting(), capacity);
        fleet.open();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + sockets / 100);
        while (!fleet.established() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            for (ServerProcess s : servers) {
                if (!s.alive()) {
                    throw new IllegalStateException(s.name() + " died while sockets connected; its log:\n" + s.tail());
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sockets", sockets);
        m.put("channels", channels);
        m.put("established", fleet.subscribedCount());
        m.put("failed", fleet.failedCount());
        m.put("seconds", fleet.established() ? round(fleet.establishSeconds(), 3) : Double.NaN);
        m.put("timed_out", !fleet.established());
        double cpu = on.stream().mapToDouble(g -> Proc.cpuSeconds(g.pid())).sum() - cpuBefore;
        m.put("gateway_cpu_s", round(cpu, 2));
        m.put("gateway_cpu_ms_per_socket", round(cpu * 1000 / Math.max(1, fleet.subscribedCount()), 3));
        double generator = Proc.ownCpuSeconds() - generatorBefore;
        m.put("generator_cpu_ms_per_socket", round(generator * 1000 / Math.max(1, fleet.subscribedCount()), 3));
        if (fleet.established()) {
            m.put("gateway_core_use", round(cpu / fleet.establishSeconds(), 3));
            m.put("generator_core_use", round(generator / fleet.establishSeconds(), 3));
        }
        m.put("source_addresses", sources.isEmpty() ? List.of("kernel's choice")
                : sources.stream().map(InetAddress::getHostAddress).toList());
        m.put("connect_failures", loop.call(() -> fleet.incidents().get("connect_failures")));
        return m;
    }

    /**
     * Cuts every socket (abortively, as a network blip does), waits until the gateways count none, then opens them all
     * again: how fast an instance that has already served takes a crowd back. The first connect measures a cold JVM,
     * whose compiler takes half the core while it runs (BENCHMARKS.md); a survivor taking a failed instance's sockets
     * is warm.
     *
     * @return the connect figures, with the seconds the gateways took to see the cut sockets gone and the RSS after
     */
    Map<String, Object> reconnect(List<ServerProcess> on, int sockets, int channels, int capacity)
            throws InterruptedException {
        loop.call(() -> {
            fleet.abortAll();
            return null;
        });
        long cut = System.nanoTime();
        long deadline = cut + TimeUnit.SECONDS.toNanos(60);
        double open = Double.NaN;
        while (System.nanoTime() < deadline) {
            open = on.stream().mapToDouble(g -> g.metrics(List.of("bifrost_sockets_open"))
                    .getOrDefault("bifrost_sockets_open", Double.NaN)).sum();
            if (open == 0) {
                break;
            }
            Thread.sleep(100);
        }
        if (open != 0) {
            throw new IllegalStateException("the gateways still counted " + open + " sockets 60 s after every one was"
                    + " cut");
        }
        double gone = (System.nanoTime() - cut) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cut_sockets_gone_s", round(gone, 2));
        m.putAll(connect(on, sockets, channels, capacity));
        m.put("rss_mb", round(on.stream().mapToLong(g -> Proc.rssBytes(g.pid())).sum() / 1048576.0, 1));
        return m;
    }

    /**
     * Spreads sockets over 127.0.0.x source addresses, at most {@value #SOCKETS_PER_SOURCE} on each: the kernel's
     * search for a free ephemeral port grows with the ports in use (from one address, 19,500 connects spent 35 % of
     * the generator's CPU in it), and browsers come from many addresses anyway.
     */
    private List<InetAddress> sourceAddresses(int sockets) {
        int wanted = options.sourceAddresses();
        if (wanted == 0) {
            int perAddress = Math.min(SOCKETS_PER_SOURCE, Math.max(1000, ephemeralPorts() - 2000));
            wanted = sockets > perAddress ? (sockets + perAddress - 1) / perAddress : 0;
        }
        List<InetAddress> sources = new ArrayList<>();
        for (int i = 1; i <= wanted; i++) {
            try {
                sources.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return sources;
    }

    private static int ephemeralPorts() {
        try {
            String[] range = Proc.read(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
        } catch (RuntimeException e) {
            return 28232;
        }
    }

    /** A publisher posting to the given gateways over {@code connections} connections, connected. */
    Publisher publisher(List<ServerProcess> to, int connections, IntSupplier channelPicker)
            throws InterruptedException {
        Publisher p = new Publisher(loop, fleet.ledger(), tokens, to.stream().map(ServerProcess::address).toList(),
                connections, channelNames, options.payload(), channelPicker);
        publishers.add(p);
        p.connect();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.connectedAll()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("publishing connections did not open within 10 s");
            }
            Thread.sleep(10);
        }
        return p;
    }

    /** A channel picker: channel 0 always, or uniformly random (loop thread). */
    IntSupplier channelPicker(boolean random) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        int channels = channelNames.length - 1;
        return random ? () -> r.nextInt(channels) : () -> 0;
    }

    /** A picker for the channel no socket holds: load that warms the publishing side only. */
    IntSupplier nobodysChannel() {
        int nobody = channelNames.length - 1;
        return () -> nobody;
    }

    /**
     * Unmeasured saturating load, so the JIT has compiled the delivery path before anything counts.
     *
     * @return sockets the gateway closed meanwhile, by close code
     */
    Map<String, Integer> warmup(Publisher p, double seconds) throws InterruptedException {
        return warmup(p, seconds, 0);
    }

    /** An unmeasured warmup at {@code rate} broadcasts/s (0: saturating); returns the sockets closed meanwhile. */
    Map<String, Integer> warmup(Publisher p, double seconds, double rate) throws InterruptedException {
        if (seconds <= 0) {
            return Map.of();
        }
        Map<Integer, Integer> closesBefore = closesByGateway();
        loop.call(() -> {
            fleet.ledger().beginPhase(System.nanoTime());
            return null;
        });
        if (rate > 0) {
            p.pace(rate, Math.min(options.maxBroadcasts(), Math.max(1, Math.round(rate * seconds))));
        } else {
            p.saturate(options.maxBroadcasts());
        }
        Thread.sleep((long) (seconds * 1000));
        p.stop();
        drain(p);
        return closesSince(closesBefore);
    }

    private Map<String, Integer> closesSince(Map<Integer, Integer> before) {
        Map<String, Integer> closes = new TreeMap<>();
        closesByGateway().forEach((code, n) -> {
            int diff = n - before.getOrDefault(code, 0);
            if (diff > 0) {
                closes.put(String.valueOf(code), diff);
            }
        });
        return closes;
    }

    /**
     * One measured phase.
     *
     * @param name      the phase's name in the report
     * @param p         who posts
     * @param rate      broadcasts per second, 0 for saturating
     * @param seconds   how long broadcasts are posted
     * @param receiving the gateways the sockets are on: their CPU is the cost of the deliveries
     * @return the phase's figures
     */
    Map<String, Object> measure(String name, Publisher p, double rate, double seconds, List<ServerProcess> receiving)
            throws IOException, InterruptedException {
        Map<Integer, Integer> closesBefore = closesByGateway();
        long start = loop.call(() -> {
            long now = System.nanoTime();
            fleet.ledger().beginPhase(now);
            return now;
        });
        Snapshot s0 = snapshot();
        if (options.jfr()) {
            jfr("JFR.start", "name=bench", "settings=profile");
        }
        long limit = rate > 0 ? Math.min(options.maxBroadcasts(), Math.max(1, Math.round(rate * seconds)))
                : options.maxBroadcasts();
        if (rate > 0) {
            p.pace(rate, limit);
        } else {
            p.saturate(limit);
        }
        Map<String, Long> peakRss = new LinkedHashMap<>();
        long end = start + (long) (seconds * 1e9);
        // Paced: the whole schedule is sent, even if the generator or the gateway ran late; 5 s more at most.
        long grace = end + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end || (rate > 0 && System.nanoTime() < grace && !p.scheduleDone())) {
            Thread.sleep(Math.max(1, Math.min(250, (end - System.nanoTime()) / 1_000_000)));
            for (ServerProcess g : gateways()) {
                peakRss.merge(g.name(), Proc.rssBytes(g.pid()), Math::max);
            }
        }
        p.stop();
        drain(p);
        Snapshot s1 = snapshot();
        if (options.jfr()) {
            for (ServerProcess g : gateways()) {
                jfr(g, "JFR.stop", "name=bench", "filename=" + runDir.resolve(g.name() + "-" + name + ".jfr").toAbsolutePath());
            }
        }
        Ledger.Tally t = loop.call(() -> fleet.ledger().tally());
        long lastReceipt = loop.call(() -> fleet.ledger().lastReceiptNanos());
        long lastResponse = loop.call(() -> fleet.ledger().lastResponseNanos());
        Map<String, Object> publishing = p.summaryFromAnyThread();

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", rate > 0 ? "paced " + fmt(rate) + "/s, at most " + options.inflight() + " in flight"
                : "saturating, " + options.inflight() + " in flight");
        double wall = (s1.nanos() - s0.nanos()) / 1e9;
        double deliveringSeconds = Math.max(1e-9, (lastReceipt - start) / 1e9);
        long delivered = t.received() - t.duplicated();
        m.put("seconds", round(wall, 3));
        m.put("broadcasts_sent", t.broadcasts());
        m.put("broadcasts_accepted", t.accepted());
        m.put("broadcasts_refused", t.refusedTotal());
        Map<String, Long> refusedByStatus = new TreeMap<>();
        t.refused().forEach((status, n) -> refusedByStatus.put(String.valueOf(status), n));
        m.put("refused_by_status", refusedByStatus);
        m.put("broadcasts_unanswered", t.unanswered());
        m.put("broadcasts_per_s", round(t.accepted() / Math.max(1e-9, (lastResponse - start) / 1e9), 1));
        m.put("deliveries_expected", t.expected());
        m.put("deliveries_received", t.received());
        m.put("deliveries_lost", t.lost());
        m.put("deliveries_duplicated", t.duplicated());
        m.put("deliveries_missed_on_sockets_closed_by_gateway", t.missedWithNotice());
        m.put("delivered_though_not_accepted", t.deliveredThoughNotAccepted());
        m.put("stray_frames", t.strays());
        m.put("gateway_reported_deliveries", t.reportedDeliveries());
        m.put("deliveries_per_s", round(delivered / deliveringSeconds, 0));
        m.put("latency_ms", latency(t.latency()));
        m.put("request_latency_ms", latency(t.requestLatency()));
        if (rate > 0) {
            m.put("publish_lag_ms", latency(t.publishLag()));
        }
        m.put("sockets_closed_by_gateway", closesSince(closesBefore));
        m.put("sockets_open_at_end", fleet.subscribedCount());

        double receivingCpu = 0;
        Map<String, Object> cpu = new LinkedHashMap<>();
        double serversCpu = 0;
        for (ServerProcess s : servers) {
            double used = s1.cpu().get(s.name()) - s0.cpu().get(s.name());
            cpu.put(s.name(), round(used, 2));
            serversCpu += used;
            if (receiving.contains(s)) {
                receivingCpu += used;
            }
        }
        m.put("server_cpu_s", cpu);
        m.put("gateway_cpu_us_per_delivery", delivered == 0 ? Double.NaN : round(receivingCpu * 1e6 / delivered, 3));
        m.put("gateway_core_use", round(receivingCpu / (wall * receiving.size()), 3));
        if (servers.size() > receiving.size()) {
            m.put("all_servers_cpu_us_per_delivery", delivered == 0 ? Double.NaN
                    : round(serversCpu * 1e6 / delivered, 3));
        }
        double generator = s1.ownCpu() - s0.ownCpu();
        m.put("generator_cpu_s", round(generator, 2));
        m.put("generator_core_use", round(generator / wall, 3));
        m.put("generator_cpu_us_per_delivery", delivered == 0 ? Double.NaN : round(generator * 1e6 / delivered, 3));
        Map<String, Object> steal = new LinkedHashMap<>();
        double busyAll = s1.cpuTimes()[0][0] - s0.cpuTimes()[0][0];
        steal.put("all", round(s1.cpuTimes()[0][1] - s0.cpuTimes()[0][1], 2));
        for (int c = 1; c < s1.cpuTimes().length; c++) {
            steal.put("cpu" + (c - 1), round(s1.cpuTimes()[c][1] - s0.cpuTimes()[c][1], 2));
        }
        m.put("steal_s", steal);
        m.put("steal_share", round((s1.cpuTimes()[0][1] - s0.cpuTimes()[0][1]) / (wall * (s1.cpuTimes().length - 1)), 4));
        // CPU the machine spent on anything but this benchmark: other people's builds make a run worthless.
        m.put("other_processes_cpu_s", round(Math.max(0, busyAll - generator - serversCpu), 2));
        Map<String, Object> rss = new LinkedHashMap<>();
        for (ServerProcess g : gateways()) {
            rss.put(g.name(), Map.of("end_mb", round(s1.rss().get(g.name()) / 1048576.0, 1),
                    "peak_mb", round(peakRss.getOrDefault(g.name(), s1.rss().get(g.name())) / 1048576.0, 1)));
        }
        m.put("rss", rss);
        m.put("publisher", publishing);
        return m;
    }

    /** Total RSS per socket on the gateways the sockets are on, now and relative to before they connected. */
    Map<String, Object> memory(List<ServerProcess> on, int sockets) {
        long rss = 0;
        long before = 0;
        for (ServerProcess g : on) {
            rss += Proc.rssBytes(g.pid());
            before += rssBeforeSockets.getOrDefault(g.name(), 0L);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rss_before_sockets_mb", round(before / 1048576.0, 1));
        m.put("rss_mb", round(rss / 1048576.0, 1));
        m.put("rss_kb_per_socket", round(rss / 1024.0 / sockets, 2));
        m.put("rss_added_kb_per_socket", round((rss - before) / 1024.0 / sockets, 2));
        m.put("gateway_threads", on.stream().mapToInt(g -> Proc.threads(g.pid())).sum());
        return m;
    }

    /** Sockets the generator itself dropped (a fault of the tool, never expected), by reason. */
    @SuppressWarnings("unchecked")
    Map<String, Integer> generatorFaults() {
        return loop.call(() -> (Map<String, Integer>) fleet.incidents().get("generator_faults"));
    }

    /** Selected /metrics counters of every gateway, and the warnings in their logs. */
    Map<String, Object> gatewayState() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ServerProcess g : gateways()) {
            Map<String, Object> one = new LinkedHashMap<>(g.metrics(METRICS));
            List<String> warnings = new ArrayList<>();
            long count = 0;
            try {
                for (String line : Files.readAllLines(g.log())) {
                    if (line.contains(" WARNING ") || line.contains(" SEVERE ") || line.contains("Exception")) {
                        count++;
                        if (warnings.size() < 5) {
                            warnings.add(line.length() > 300 ? line.substring(0, 300) + "..." : line);
                        }
                    }
                }
            } catch (IOException e) {
                warnings.add("log unreadable: " + e.getMessage());
            }
            one.put("log_warnings", count);
            one.put("log_warning_examples", warnings);
            one.put("log", g.log().toString());
            m.put(g.name(), one);
        }
        return m;
    }

    private void drain(Publisher p) throws InterruptedException {
        long stopped = System.nanoTime();
        long deadline = stopped + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Thread.sleep(20);
            long[] state = loop.call(() -> new long[] {p.busyInLoop() ? 1 : 0, fleet.ledger().outstanding(),
                    fleet.ledger().lastReceiptNanos(), System.nanoTime()});
            boolean busy = state[0] == 1;
            if (!busy && state[1] <= 0) {
                return;
            }
            // Whatever has not arrived 2 s after the last receipt is not coming: it is counted lost.
            if (!busy && state[3] - Math.max(state[2], stopped) > TimeUnit.SECONDS.toNanos(2)) {
                return;
            }
            if (state[3] > deadline) {
                return;
            }
        }
    }

    private Map<Integer, Integer> closesByGateway() {
        return loop.call(() -> {
            Map<Integer, Integer> m = new HashMap<>();
            @SuppressWarnings("unchecked")
            Map<String, Integer> closes = (Map<String, Integer>) fleet.incidents().get("closed_by_gateway");
            closes.forEach((code, n) -> m.put(Integer.parseInt(code), n));
            return m;
        });
    }

    int frameBytes() {
        return fleet == null ? 0 : fleet.frameBytes();
    }

    Fleet fleet() {
        return fleet;
    }

    private record Snapshot(long nanos, double ownCpu, double[][] cpuTimes, Map<String, Double> cpu,
                            Map<String, Long> rss) {
    }

    private Snapshot snapshot() {
        Map<String, Double> cpu = new HashMap<>();
        Map<String, Long> rss = new HashMap<>();
        for (ServerProcess s : servers) {
            cpu.put(s.name(), Proc.cpuSeconds(s.pid()));
            rss.put(s.name(), Proc.rssBytes(s.pid()));
        }
        return new Snapshot(System.nanoTime(), Proc.ownCpuSeconds(), Proc.cpuTimes(), cpu, rss);
    }

    private void jfr(String... args) throws IOException, InterruptedException {
        for (ServerProcess g : gateways()) {
            jfr(g, args);
        }
    }

    private void jfr(ServerProcess g, String... args) throws IOException, InterruptedException {
        Path jcmd = options.java().resolveSibling("jcmd");
        List<String> command = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(g.pid())));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || out.contains("rror") || out.contains("ould not")) {
            System.err.println("bench: jcmd " + String.join(" ", args) + " failed: " + out);
        }
    }

    static Map<String, Object> latency(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", ms(h.getValueAtPercentile(50)));
        m.put("p90", ms(h.getValueAtPercentile(90)));
        m.put("p99", ms(h.getValueAtPercentile(99)));
        m.put("p999", ms(h.getValueAtPercentile(99.9)));
        m.put("max", ms(h.getMaxValue()));
        return m;
    }

    private static double ms(long micros) {
        return round(micros / 1000.0, 3);
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    @Override
    public void close() {
        try {
            if (fleet != null || !publishers.isEmpty()) {
                loop.call(() -> {
                    publishers.forEach(Publisher::close);
                    if (fleet != null) {
                        fleet.abortAll();
                    }
                    return null;
                });
            }
        } catch (RuntimeException e) {
            System.err.println("bench: closing sockets: " + e.getMessage());
        }
        loop.close();
        // Gateways first, then Redis: a gateway losing Redis under load would only log noise.
        List<ServerProcess> order = new ArrayList<>(gateways());
        servers.stream().filter(s -> !order.contains(s)).forEach(order::add);
        order.forEach(ServerProcess::close);
    }
}
