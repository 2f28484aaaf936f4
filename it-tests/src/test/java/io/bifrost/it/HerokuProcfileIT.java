package io.bifrost.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.it.redis.RedisServers;
import io.bifrost.protocol.BifrostClient;
import io.bifrost.protocol.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.it.FaultKit.frame;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two "dynos" started exactly as Heroku starts them: the Procfile's {@code web} command, unchanged, through
 * {@code sh -c} from the repository root (the slug's /app), with the environment app.json gives the app plus what
 * the platform adds ({@code PORT}, {@code DYNO}, {@code REDIS_URL} of the Heroku Redis add-on: {@code rediss://}
 * with a self-signed certificate). {@code java} is found on {@code PATH}, as the buildpack's JDK is; here that is
 * the JDK running the tests.
 */
class HerokuProcfileIT {
    private static final Path ROOT = repositoryRoot();
    private static final String CHANNEL = "heroku";

    @TempDir
    static Path tlsDir;
    private static RedisServer redis;

    @BeforeAll
    static void startHerokuRedis() throws Exception {
        RedisTlsIT.makeCertificates(tlsDir);
        redis = RedisServers.start(RedisServers.Kind.AUTO, new RedisServers.Tls(tlsDir));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void twoDynosFromTheProcfileFormOneClusterOverTlsRedisAndDrainToExitZero(@TempDir Path logs)
            throws Exception {
        assertTrue(redis.url().startsWith("rediss://"), redis.url());
        String web = webCommand();
        Map<String, String> appEnv = appJsonEnvironment();
        long drainSeconds = Long.parseLong(appEnv.getOrDefault("BIFROST_DRAIN_SECONDS", "10"));

        List<Dyno> dynos = new ArrayList<>();
        try {
            dynos.add(Dyno.start("web.1", web, appEnv, logs));
            dynos.add(Dyno.start("web.2", web, appEnv, logs));
            for (Dyno dyno : dynos) {
                dyno.awaitReady(Duration.ofSeconds(60));
                dyno.checkItRunsTheTestJdkWith(appEnv.get("JAVA_OPTS"));
                assertTrue(dyno.log().contains("TLS, verify none"), dyno.name + " is not on TLS Redis without"
                        + " verification:\n" + dyno.log());
                assertTrue(dyno.log().contains("production mode"), dyno.name + " is not in production mode:\n"
                        + dyno.log());
                // Ready after its warm-up (done, or cut short by its budget on a slow machine), which went through
                // the same TLS Redis.
                assertTrue(dyno.log().contains("warmed up in ") || dyno.log().contains("was spent; ready without"),
                        dyno.name + " did not warm up:\n" + dyno.log());
            }
            Dyno web1 = dynos.get(0);
            Dyno web2 = dynos.get(1);

            try (WsClient onWeb1 = subscriber(web1.uri(), CHANNEL)) {
                // Cluster counts are refreshed about every quarter second: wait until web.2 counts web.1's socket.
                Map<String, Object> info = FaultKit.awaitConnected(web2.uri(), 1, WAIT);
                Map<?, ?> instances = (Map<?, ?>) info.get("instances");
                assertNotNull(instances, "web.2's /info.json has no per-instance breakdown: " + info);
                assertEquals(2, instances.size(), String.valueOf(instances));
                // No BIFROST_INSTANCE_ID on Heroku: the instance is named after $DYNO.
                assertTrue(instances.keySet().stream().anyMatch(k -> String.valueOf(k).startsWith("web.1-"))
                        && instances.keySet().stream().anyMatch(k -> String.valueOf(k).startsWith("web.2-")),
                        "instances are not named after their dynos: " + instances);

                // Every broadcast reaches the socket at once; the count of it reaches Redis on web.1's next quarter-
                // second tick, which can come after the heartbeat /info.json reflects: broadcast until it is counted.
                BifrostClient client = new BifrostClient(web2.uri(), TestGateway.SECRET);
                long deadline = System.nanoTime() + WAIT.toNanos();
                int deliveries = 0;
                for (int i = 0; deliveries != 1; i++) {
                    assertTrue(System.nanoTime() < deadline, "web.2 never counted the socket on web.1: "
                            + deliveries + " deliveries");
                    deliveries = client.broadcast(CHANNEL, "deploy", "from-web.2 #" + i);
                    assertEquals(frame("deploy", "from-web.2 #" + i), onWeb1.nextText(WAIT));
                }

                // Heroku's SIGTERM reaches java; the drain closes web.1's socket with 1012, then it exits 0.
                for (Dyno dyno : dynos) {
                    dyno.sigtermJava();
                }
                WsClient.Close close = onWeb1.awaitClose(Duration.ofSeconds(drainSeconds + 10));
                assertEquals(1012, close.code(), "web.1's socket should be closed with 1012 by the drain");
            }
            Duration bound = Duration.ofSeconds(drainSeconds + 15);
            for (Dyno dyno : dynos) {
                int exit = dyno.awaitExit(bound);
                assertEquals(0, exit, dyno.name + "'s Procfile process exit status after SIGTERM:\n" + dyno.log());
                // Main logs "stopped" after the drain and the bus are closed, just before System.exit(0); without
                // it the JVM ended some other way (e.g. the drain thread, a daemon, cut short by the JVM's exit).
                assertTrue(dyno.log().contains("INFO io.bifrost.gateway.Main: stopped"), dyno.name + " exited"
                        + " without finishing its stop (no \"stopped\" line after the drain):\n" + dyno.log());
                assertFalse(dyno.anyAlive(), dyno.name + " left a process running");
            }
        } finally {
            for (Dyno dyno : dynos) {
                dyno.kill();
            }
        }
    }

    /** One dyno: {@code sh -c "<web command>"} in the repository root. */
    private static final class Dyno {
        private final String name;
        private final Process shell;
        private final int port;
        private final Path log;

        private Dyno(String name, Process shell, int port, Path log) {
            this.name = name;
            this.shell = shell;
            this.port = port;
            this.log = log;
        }

        static Dyno start(String name, String command, Map<String, String> appEnv, Path logs) throws IOException {
            int port = freePort();
            Path log = logs.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder("sh", "-c", command)
                    .directory(ROOT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith("BIFROST_") || k.startsWith("REDIS_") || k.equals("JWT_SECRET")
                    || k.equals("KEMAL_ENV") || k.equals("PORT") || k.equals("DYNO") || k.startsWith("JAVA_")
                    || k.equals("JDK_JAVA_OPTIONS"));
            env.putAll(appEnv);
            // The buildpack puts its JDK first on PATH; the test's JDK (21+, picked by the toolchain) stands in.
            env.put("PATH", testJavaHome().resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin"));
            env.put("PORT", String.valueOf(port));
            env.put("DYNO", name);
            env.put("REDIS_URL", redis.url());
            // The backend's secret replaces the generated one.
            env.put("JWT_SECRET", TestGateway.SECRET);
            return new Dyno(name, builder.start(), port, log);
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port + "/");
        }

        String log() throws IOException {
            return Files.readString(log);
        }

        void awaitReady(Duration timeout) throws IOException, InterruptedException {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + timeout.toNanos();
            int last = -1;
            while (System.nanoTime() < deadline) {
                if (!shell.isAlive()) {
                    throw new AssertionError(name + " exited with " + shell.exitValue() + ":\n" + log());
                }
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri().resolve("/health/ready"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    last = response.statusCode();
                    if (last == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            throw new AssertionError(name + " not ready within " + timeout + " (last status " + last + "):\n"
                    + log());
        }

        /** The gateway's JVM: the shell itself if it exec'd java, else its java child. */
        ProcessHandle java() {
            List<ProcessHandle> candidates = new ArrayList<>();
            candidates.add(shell.toHandle());
            shell.descendants().forEach(candidates::add);
            return candidates.stream()
                    .filter(p -> p.info().command().map(c -> Path.of(c).getFileName().toString().equals("java"))
                            .orElse(false))
                    .findFirst().orElseThrow(() -> new AssertionError(name + " runs no java process"));
        }

        void checkItRunsTheTestJdkWith(String javaOpts) throws IOException {
            ProcessHandle java = java();
            Path expected = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
            Path actual = Path.of(java.info().command().orElseThrow()).toRealPath();
            assertEquals(expected, actual, name + " runs another java than the one put first on PATH");
            List<String> args = Arrays.asList(java.info().arguments().orElseThrow());
            // $JAVA_OPTS expanded and split into separate flags by the shell, before -jar.
            int jar = args.indexOf("-jar");
            assertTrue(jar >= 0, name + " arguments " + args);
            for (String flag : javaOpts.trim().split("\\s+")) {
                int at = args.indexOf(flag);
                assertTrue(at >= 0 && at < jar, name + " did not get " + flag + " from JAVA_OPTS: " + args);
            }
        }

        void sigtermJava() {
            // ProcessHandle.destroy sends SIGTERM, also to a process that is not our child.
            java().destroy();
        }

        int awaitExit(Duration timeout) throws InterruptedException, IOException {
            if (!shell.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running " + timeout + " after SIGTERM:\n" + log());
            }
            return shell.exitValue();
        }

        boolean anyAlive() {
            return shell.isAlive() || shell.descendants().anyMatch(ProcessHandle::isAlive);
        }

        void kill() {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
            try {
                shell.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
    /** The Procfile's one {@code web:} command, verbatim. */
    private static String webCommand() throws IOException {
        List<String> web = Files.readAllLines(ROOT.resolve("Procfile")).stream()
                .filter(l -> l.startsWith("web:")).toList();
        assertEquals(1, web.size(), "Procfile web lines: " + web);
        return web.get(0).substring("web:".length()).trim();
    }

    /** The config vars app.json sets with a value (generated ones, JWT_SECRET, are given by the test). */
    @SuppressWarnings("unchecked")
    private static Map<String, String> appJsonEnvironment() throws Exception {
        Map<String, Object> env = (Map<String, Object>) Json.parseObject(
                Files.readString(ROOT.resolve("app.json"))).get("env");
        Map<String, String> values = new LinkedHashMap<>();
        env.forEach((name, spec) -> {
            Object value = spec instanceof Map<?, ?> m ? m.get("value") : spec;
            if (value != null) {
                values.put(name, String.valueOf(value));
            }
        });
        assertNotNull(values.get("JAVA_OPTS"), "app.json JAVA_OPTS");
        return values;
    }

    private static Path testJavaHome() {
        Optional<String> command = ProcessHandle.current().info().command();
        try {
            return Path.of(command.orElseThrow()).toRealPath().getParent().getParent();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isDirectory(candidate.resolve("it-tests")) && Files.isRegularFile(candidate.resolve("Procfile"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no repository root above " + dir);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
