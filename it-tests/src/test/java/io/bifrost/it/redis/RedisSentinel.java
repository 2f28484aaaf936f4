package io.bifrost.it.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A primary, a replica and three Sentinels, as {@code redis-server} processes on free loopback ports in a temporary
 * directory, with short failure detection ({@code down-after-milliseconds} 1000) so a failover takes seconds. Stopped
 * by the PIDs it started.
 */
public final class RedisSentinel implements AutoCloseable {
    /** The name the Sentinels know the primary by. */
    public static final String MASTER = "mymaster";
    private static final Duration WAIT = Duration.ofSeconds(40);

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> sentinels = new ArrayList<>();
    private final int primary = RedisServers.freePort();
    private final int replica = RedisServers.freePort();
    private Process primaryProcess;

    private RedisSentinel() {
        try {
            this.dir = Files.createTempDirectory("bifrost-redis-sentinel");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts them and waits (bounded) until the replica is in sync and every Sentinel knows the replica and the
     * other Sentinels.
     *
     * @return the running set
     */
    public static RedisSentinel start() {
        if (RedisServers.findRedisServer() == null) {
            throw new IllegalStateException("redis-server is not installed: apt-get install redis-server");
        }
        RedisSentinel s = new RedisSentinel();
        try {
            s.primaryProcess = s.launch(List.of("--port", String.valueOf(s.primary)), s.primary);
            s.launch(List.of("--port", String.valueOf(s.replica), "--replicaof", "127.0.0.1",
                    String.valueOf(s.primary)), s.replica);
            s.await(() -> RedisServers.resp(s.primary, "INFO", "replication").contains("state=online"),
                    "the replica is in sync");
            for (int i = 0; i < 3; i++) {
                int port = RedisServers.freePort();
                Path conf = s.dir.resolve("sentinel-" + port + ".conf");
                Files.writeString(conf, String.join("\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "sentinel monitor " + MASTER + " 127.0.0.1 " + s.primary + " 2",
                        "sentinel down-after-milliseconds " + MASTER + " 1000",
                        "sentinel failover-timeout " + MASTER + " 3000",
                        "sentinel parallel-syncs " + MASTER + " 1", ""));
                s.launch(List.of(conf.toString(), "--sentinel"), port);
                s.sentinels.add(port);
            }
            for (int port : s.sentinels) {
                s.await(() -> {
                    String info = RedisServers.resp(port, "SENTINEL", "MASTER", MASTER);
                    return info.contains("num-slaves") && !RedisServers.resp(port, "SENTINEL", "REPLICAS", MASTER)
                            .startsWith("*0") && RedisServers.resp(port, "SENTINEL", "SENTINELS", MASTER)
                            .startsWith("*2");
                }, "Sentinel " + port + " knows the replica and the other Sentinels");
            }
            System.err.println("[redis for tests] sentinel " + s.url() + " (primary " + s.primary + ", replica "
                    + s.replica + ", redis-server processes)");
            return s;
        } catch (IOException e) {
            s.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** @return {@code redis-sentinel://} with every Sentinel and the primary's name */
    public String url() {
        return "redis-sentinel://" + sentinels.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
                + "#" + MASTER;
    }

    /** Kills the primary (SIGKILL): the Sentinels promote the replica. */
    public void killPrimary() {
        primaryProcess.destroyForcibly();
        try {
            primaryProcess.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the port of the replica, which becomes the primary after {@link #killPrimary()} */
    public int replicaPort() {
        return replica;
    }

    /** Waits (bounded) until the Sentinels name the replica as the primary. */
    public void awaitPromoted() {
        await(() -> RedisServers.resp(sentinels.getFirst(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
                .contains(String.valueOf(replica)), "the Sentinels promoted the replica");
    }

    private Process launch(List<String> args, int port) {
        List<String> command = new ArrayList<>();
        command.add(RedisServers.findRedisServer());
        command.addAll(args);
        command.addAll(List.of("--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", dir.toString()));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log-" + port + ".txt").toFile()).start();
            processes.add(p);
            RedisServers.awaitPort(port, Duration.ofSeconds(30));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void await(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (UncheckedIOException e) {
                // not up yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("not within " + WAIT + ": " + what + " (logs in " + dir + ")");
    }

    @Override
    public void close() {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp dir left behind is harmless.
        }
    }
}
