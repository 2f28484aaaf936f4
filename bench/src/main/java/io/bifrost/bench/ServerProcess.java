package io.bifrost.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server the benchmark launches and measures: a gateway ({@code java -jar bifrost-gateway.jar}, configured through
 * its environment like in production) or a {@code redis-server}, each on a free port, optionally pinned to CPUs with
 * {@code taskset} (which execs, so the process id is the server's). Output goes to a log file in the run directory.
 */
final class ServerProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private ServerProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** How to launch gateways. */
    record GatewayLaunch(Path java, Path jar, String cpus, List<String> jvmOptions, Map<String, String> env) {
    }

    static ServerProcess gateway(String name, GatewayLaunch launch, Map<String, String> extraEnv, Path runDir)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(launch.jar())) {
            throw new IllegalStateException("no gateway jar at " + launch.jar() + "; build it with ./mvnw -q -DskipTests"
                    + " package (bin/bench does)");
        }
        int port = freePort();
        List<String> command = new ArrayList<>(pin(launch.cpus()));
        command.add(launch.java().toString());
        command.addAll(launch.jvmOptions());
        command.add("-jar");
        command.add(launch.jar().toAbsolutePath().toString());
        Path log = runDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(runDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Only what we set: a developer's BIFROST_* or .env must not change the figures.
        builder.environment().keySet().removeIf(k -> k.startsWith("BIFROST_") || k.equals("JWT_SECRET")
                || k.equals("KEMAL_ENV") || k.equals("PORT") || k.equals("REDIS_URL") || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().put("PORT", String.valueOf(port));
        builder.environment().put("BIFROST_HOST", "127.0.0.1");
        builder.environment().put("BIFROST_ENV", "production");
        builder.environment().put("BIFROST_INSTANCE_ID", name);
        builder.environment().putAll(launch.env());
        builder.environment().putAll(extraEnv);
        long launched = System.nanoTime();
        ServerProcess server = new ServerProcess(name, builder.start(), port, log);
        server.awaitHttp("/health/ready", Duration.ofSeconds(60));
        // A production gateway warms up before it is ready (BIFROST_WARMUP_SECONDS): the start's cost, shown.
        System.err.printf(java.util.Locale.ROOT, "bench: %s pid %d on port %d, ready %.1f s after launch (log %s)%n",
                name, server.pid(), port, (System.nanoTime() - launched) / 1e9, log);
        return server;
    }

    static ServerProcess redis(String cpus, Path runDir) throws IOException, InterruptedException {
        int port = freePort();
        List<String> command = new ArrayList<>(pin(cpus));
        command.addAll(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no"));
        Path log = runDir.resolve("redis.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(runDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        ServerProcess redis;
        try {
            redis = new ServerProcess("redis", builder.start(), port, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server (the cross scenario needs it on the PATH;"
                    + " Debian: apt-get install redis-server): " + e.getMessage(), e);
        }
        redis.awaitRedis(Duration.ofSeconds(20));
        System.err.println("bench: redis pid " + redis.pid() + " on port " + port);
        return redis;
    }

    /**
     * Starts a Redis Cluster of {@code primaries} nodes (no replicas) and joins it with redis-cli.
     */
    static List<ServerProcess> redisCluster(String cpus, Path runDir, int primaries)
            throws IOException, InterruptedException {
        if (primaries < 3) {
            throw new IllegalArgumentException("--redis-shards " + primaries + ": a Redis Cluster needs 3 or more");
        }
        List<ServerProcess> nodes = new ArrayList<>();
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int i = 0; i < primaries; i++) {
            int port = freePort();
            List<String> command = new ArrayList<>(pin(cpus));
            command.addAll(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--save", "", "--appendonly", "no", "--protected-mode", "no"));
            Path log = runDir.resolve("redis-" + port + ".log");
            ServerProcess node = new ServerProcess("redis-" + i, new ProcessBuilder(command).directory(runDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start(), port, log);
            nodes.add(node);
            node.awaitRedis(Duration.ofSeconds(20));
            create.add("127.0.0.1:" + port);
        }
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Path log = runDir.resolve("redis-cli-create.log");
        Process cli = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!cli.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || cli.exitValue() != 0) {
            cli.destroyForcibly();
            nodes.forEach(ServerProcess::close);
            throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(log));
        }
        // Every node must agree the cluster is whole before gateways connect.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (ServerProcess node : nodes) {
            while (true) {
                Process info = new ProcessBuilder("redis-cli", "-p", String.valueOf(node.port), "cluster", "info")
                        .redirectErrorStream(true).start();
                String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                info.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                if (text.contains("cluster_state:ok")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    nodes.forEach(ServerProcess::close);
                    throw new IllegalStateException("the Redis Cluster is not ok: " + text);
                }
                Thread.sleep(100);
            }
        }
        System.err.println("bench: redis cluster of " + primaries + " primaries on ports "
                + nodes.stream().map(n -> String.valueOf(n.port)).toList());
        return nodes;
    }

    private static List<String> pin(String cpus) {
        return cpus == null || cpus.isBlank() ? List.of() : List.of("taskset", "-c", cpus);
    }

    private void awaitHttp(String path, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ensureAlive();
            try {
                if (get(path).startsWith("HTTP/1.1 200")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " not ready within " + timeout + "; its log:\n" + tail());
    }

    private void awaitRedis(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ensureAlive();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = new byte[7];
                if (s.getInputStream().readNBytes(answer, 0, 7) == 7
                        && new String(answer, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server not ready within " + timeout + "; its log:\n" + tail());
    }

    private void ensureAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; its log:\n" + tail());
        }
    }

    /** A plain GET on a fresh connection: status line, headers and body, as text. Control plane only. */
    String get(String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Read by Content-Length: the server may keep the connection open a while after answering.
            InputStream in = s.getInputStream();
            java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    break;
                }
            }
            String headers = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : headers.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
    }

    /** The value of each named Prometheus sample in /metrics (summed over labels), for the report. */
    Map<String, Double> metrics(List<String> names) {
        Map<String, Double> values = new java.util.LinkedHashMap<>();
        String text;
        try {
            text = get("/metrics");
        } catch (IOException e) {
            return values;
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            for (String n : names) {
                if (line.startsWith(n + " ") || line.startsWith(n + "{")) {
                    try {
                        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
                        values.merge(n, v, Double::sum);
                    } catch (NumberFormatException e) {
                        // not a sample line
                    }
                }
            }
        }
        return values;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server at once (SIGKILL): a benchmark has nothing to drain, and a drain would only add time. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
