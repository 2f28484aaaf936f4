package io.bifrost.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark command, every value resolved: the scenario's defaults, then what the command line says.
 *
 * @param scenario         which measurement
 * @param sockets          websockets to open
 * @param channels         channels they are spread over
 * @param rate             broadcasts per second; 0 is saturating (as fast as accepted)
 * @param inflight         publishing connections: requests in flight at most
 * @param payload          bytes of each message's data
 * @param duration         measured seconds per phase
 * @param warmup           seconds of saturating load before measuring
 * @param hold             seconds the idle scenario holds its sockets
 * @param runs             repetitions; figures are reported per run and as medians
 * @param maxBroadcasts    most broadcasts in one phase (a bound on every run)
 * @param instances        cross: gateway instances; sockets on all but the last, broadcasts posted to the last
 * @param idleInstances    single-instance scenarios with Redis: more gateways on the same Redis, registered and
 *                         idle (no sockets, no broadcasts), to show publish cost does not grow with instances
 * @param out              the JSON report
 * @param workDir          where run directories (gateway logs, JFR files) go
 * @param gatewayJar       the gateway to run
 * @param java             the java that runs it
 * @param gatewayCpus      CPUs the servers are pinned to (taskset -c), blank for no pinning
 * @param gatewayJvmOptions extra JVM flags for the gateways
 * @param gatewayEnv       extra environment for the gateways (e.g. BIFROST_HISTORY_SIZE=0)
 * @param redis            single-instance scenarios run with REDIS_URL set, as users deploy
 * @param redisShards      0 for one Redis; N for a Redis Cluster of N primaries (BIFROST_REDIS_CLUSTER=true)
 * @param sendQueueBytes   BIFROST_SEND_QUEUE_BYTES for the gateways, or 0 for their default
 * @param sourceAddresses  local addresses to spread sockets over (127.0.0.1, .2, ...); 0 picks as many as needed
 * @param maxConnecting    handshakes in progress at most while connecting
 * @param probe            run the C probe after the scenario so the report carries the floor
 * @param probeRounds      rounds per probe run
 * @param jfr              record the gateways' measured phases with Java Flight Recorder
 * @param waitQuiet        seconds to wait, before each run, for other processes to leave the CPUs alone
 * @param command          the command line, as typed
 */
record Options(Scenario scenario, int sockets, int channels, double rate, int inflight, int payload, double duration,
               double warmup, double hold, int runs, int maxBroadcasts, int instances, int idleInstances, Path out,
               Path workDir, Path gatewayJar, Path java, String gatewayCpus, List<String> gatewayJvmOptions,
               Map<String, String> gatewayEnv, boolean redis, int redisShards, long sendQueueBytes,
               int sourceAddresses, int maxConnecting, boolean probe, int probeRounds, boolean jfr, double waitQuiet,
               String command) {
    /** Options without a value. */
    private static final List<String> FLAGS = List.of("--jfr", "--no-probe", "--redis");

    static final String USAGE = """
            usage: bin/bench <scenario> [options]
              scenarios: fanout, fanout-paced, channels, idle, cross, limit (see BENCHMARKS.md)
              --sockets N          websockets (fanout 2000, channels 5000, idle 19500)
              --channels C         channels the sockets are spread over
              --rate R             broadcasts per second; 0 = saturating, as fast as accepted
              --inflight K         publishing connections = broadcasts in flight at most
              --payload B          bytes of each message's data (default 80: a 109-byte frame)
              --duration S         measured seconds per phase
              --warmup S           seconds of unmeasured saturating load first
              --hold S             idle: seconds the sockets are held (default 60)
              --runs N             repetitions (default 3); medians are reported
              --max-broadcasts N   bound on broadcasts per phase (default 200000)
              --instances N        cross: gateways on one Redis (default 2); sockets on all but the last,
                                   broadcasts posted to the last
              --idle-instances N   fanout, fanout-paced, channels with --redis: N more gateways on the same Redis,
                                   registered and idle (default 0)
              --out FILE           JSON report (default bench/target/results/<scenario>-<time>.json)
              --gateway-jar FILE   default gateway/target/bifrost-gateway.jar
              --java FILE          the JDK 21+ java that runs the gateways (default: the one running this)
              --gateway-cpus LIST  taskset CPU list for gateways and Redis (default 0; "" = not pinned)
              --gateway-opts "..." extra JVM flags for the gateways
              --gateway-env "K=V ..." extra environment for the gateways, e.g. "BIFROST_HISTORY_SIZE=0"
              --redis              fanout, fanout-paced, channels, idle: the gateway on a Redis (REDIS_URL), as
                                   users deploy it; cross always is
              --redis-shards N     the Redis is a Redis Cluster of N primaries (3 or more), sharded pub/sub
              --send-queue-bytes N BIFROST_SEND_QUEUE_BYTES for the gateways
              --source-addresses N spread sockets over 127.0.0.1..N (default: 5,000 sockets on each at most)
              --max-connecting N   handshakes in progress at most (default 256)
              --no-probe           skip the C probe (the floor) at the end
              --probe-rounds N     rounds per probe run (default 100)
              --jfr                record each measured phase with JFR (files in the run directory)
              --wait-quiet S       before each run, wait up to S s for the CPUs to be free of other work
            """;

    static Options parse(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new IllegalArgumentException("name a scenario first\n" + USAGE);
        }
        Scenario scenario = Scenario.of(args[0]);
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (FLAGS.contains(a)) {
                given.put(a, "true");
                continue;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("'" + a + "' needs a value or is not an option\n" + USAGE);
            }
            given.put(a, args[++i]);
        }
        Scenario.Defaults d = scenario.defaults();
        Values v = new Values(given);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String javaNow = ProcessHandle.current().info().command().orElse("java");
        List<String> jvm = new ArrayList<>();
        String gatewayOpts = v.text("--gateway-opts", "");
        if (!gatewayOpts.isBlank()) {
            jvm.addAll(List.of(gatewayOpts.trim().split("\\s+")));
        }
        Options o = new Options(scenario,
                v.integer("--sockets", d.sockets(), 1, 1_000_000),
                v.integer("--channels", d.channels(), 1, 1_000_000),
                v.decimal("--rate", d.rate(), 0, 1_000_000),
                v.integer("--inflight", d.inflight(), 0, 4096),
                v.integer("--payload", 80, 1, 60_000),
                v.decimal("--duration", d.duration(), 0, 3600),
                v.decimal("--warmup", d.warmup(), 0, 3600),
                v.decimal("--hold", d.hold(), 0, 3600),
                v.integer("--runs", d.runs(), 1, 100),
                v.integer("--max-broadcasts", 200_000, 1, 5_000_000),
                v.integer("--instances", 2, 2, 8),
                v.integer("--idle-instances", 0, 0, 7),
                Path.of(v.text("--out", "bench/target/results/" + scenario.command() + "-" + stamp + ".json")),
                Path.of(v.text("--work-dir", "bench/target/runs")),
                Path.of(v.text("--gateway-jar", "gateway/target/bifrost-gateway.jar")),
                Path.of(v.text("--java", javaNow)),
                v.text("--gateway-cpus", "0"),
                List.copyOf(jvm),
                environment(v.text("--gateway-env", "")),
                given.containsKey("--redis"),
                v.integer("--redis-shards", 0, 0, 16),
                v.integer("--send-queue-bytes", 0, 0, Integer.MAX_VALUE),
                v.integer("--source-addresses", 0, 0, 250),
                v.integer("--max-connecting", 256, 1, 100_000),
                !given.containsKey("--no-probe"),
                v.integer("--probe-rounds", 100, 1, 100_000),
                given.containsKey("--jfr"),
                v.decimal("--wait-quiet", 0, 0, 3600),
                "bin/bench " + String.join(" ", args));
        v.rejectUnknown();
        if (o.sockets() < o.channels() && scenario != Scenario.LIMIT) {
            throw new IllegalArgumentException("--channels " + o.channels() + " exceeds --sockets " + o.sockets()
                    + ": every channel needs at least one socket");
        }
        if (o.idleInstances() > 0 && (!o.redis() || scenario == Scenario.IDLE || scenario == Scenario.CROSS
                || scenario == Scenario.LIMIT)) {
            throw new IllegalArgumentException("--idle-instances needs --redis and one of fanout, fanout-paced,"
                    + " channels: idle instances only matter where instances share a Redis");
        }
        if ((scenario != Scenario.IDLE && scenario != Scenario.LIMIT) && o.inflight() < 1) {
            throw new IllegalArgumentException("--inflight must be at least 1");
        }
        return o;
    }

    private static Map<String, String> environment(String pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : pairs.trim().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--gateway-env takes K=V pairs separated by spaces, got '" + pair
                        + "'");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return Map.copyOf(env);
    }

    /** The values as given, for the report. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario.command());
        m.put("sockets", sockets);
        m.put("channels", channels);
        m.put("rate", rate);
        m.put("inflight", inflight);
        m.put("payload", payload);
        m.put("duration_s", duration);
        m.put("warmup_s", warmup);
        m.put("hold_s", hold);
        m.put("runs", runs);
        m.put("max_broadcasts", maxBroadcasts);
        if (scenario == Scenario.CROSS) {
            m.put("instances", instances);
        }
        if (idleInstances > 0) {
            m.put("idle_instances", idleInstances);
        }
        m.put("gateway_jar", gatewayJar.toString());
        m.put("gateway_cpus", gatewayCpus);
        m.put("gateway_jvm_options", gatewayJvmOptions);
        m.put("gateway_env", gatewayEnv);
        m.put("redis", redis || scenario == Scenario.CROSS);
        m.put("redis_shards", redisShards);
        m.put("send_queue_bytes", sendQueueBytes == 0 ? "default" : sendQueueBytes);
        m.put("source_addresses", sourceAddresses == 0 ? "auto" : sourceAddresses);
        m.put("max_connecting", maxConnecting);
        m.put("probe", probe);
        m.put("probe_rounds", probeRounds);
        m.put("jfr", jfr);
        m.put("wait_quiet_s", waitQuiet);
        return m;
    }

    private static final class Values {
        private final Map<String, String> given;
        private final java.util.Set<String> known = new java.util.HashSet<>(FLAGS);

        Values(Map<String, String> given) {
            this.given = given;
        }

        String text(String name, String fallback) {
            known.add(name);
            return given.getOrDefault(name, fallback);
        }

        int integer(String name, int fallback, long min, long max) {
            return (int) decimal(name, fallback, min, max);
        }

        double decimal(String name, double fallback, double min, double max) {
            String raw = text(name, null);
            if (raw == null) {
                return fallback;
            }
            double value;
            try {
                value = Double.parseDouble(raw.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " is '" + raw + "'; give a number");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " is " + raw + "; it must be between " + min + " and " + max);
            }
            return value;
        }

        void rejectUnknown() {
            for (String name : given.keySet()) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
                }
            }
        }
    }
}
