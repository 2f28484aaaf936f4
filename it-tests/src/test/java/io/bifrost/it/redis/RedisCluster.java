package io.bifrost.it.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * A real Redis Cluster for a test: {@code masters} primaries (and {@code replicas} replicas of each) as
 * {@code redis-server --cluster-enabled yes} processes on free loopback ports in a temporary directory, joined with
 * {@code redis-cli --cluster create}. Stopped by the PIDs it started, never by name.
 *
 * <p>As a {@link RedisServer}: {@link #url()} lists every primary as a seed, {@link #stop()} and {@link #restart()}
 * take the whole cluster down and up again (empty: no persistence; the nodes keep their identities from their config
 * files), {@link #pause()} freezes every node, and {@link #command} follows {@code MOVED} redirects.
 */
public final class RedisCluster implements RedisServer {
    /** Low, so that a failover takes a second or two rather than the default 15. */
    private static final int NODE_TIMEOUT_MS = 1000;
    private static final Duration WAIT = Duration.ofSeconds(40);

    /** One node: its port and its process. */
    public static final class Node {
        private final int port;
        private Process process;

        Node(int port) {
            this.port = port;
        }

        /** @return its port on 127.0.0.1 */
        public int port() {
            return port;
        }

        /** @return whether its process runs */
        public boolean alive() {
            return process != null && process.isAlive();
        }
    }

    private final Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final int masters;

    private RedisCluster(int masters, int replicas) {
        this.masters = masters;
        try {
            this.dir = Files.createTempDirectory("bifrost-redis-cluster");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < masters * (1 + replicas); i++) {
            nodes.add(new Node(RedisServers.freePort()));
        }
    }

    /**
     * Starts and joins a cluster, and waits (bounded) until every node says {@code cluster_state:ok}.
     *
     * @param masters  primaries (at least 3, as {@code redis-cli --cluster create} wants)
     * @param replicas replicas per primary
     * @return the running cluster
     */
    public static RedisCluster start(int masters, int replicas) {
        if (RedisServers.findRedisServer() == null) {
            throw new IllegalStateException("redis-server is not installed: apt-get install redis-server (a Redis"
                    + " Cluster for the tests runs as local processes)");
        }
        RedisCluster cluster = new RedisCluster(masters, replicas);
        try {
            cluster.nodes.forEach(cluster::launch);
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.forEach(n -> create.add("127.0.0.1:" + n.port));
            create.addAll(List.of("--cluster-replicas", String.valueOf(replicas), "--cluster-yes"));
            run(create, Duration.ofSeconds(60));
            cluster.awaitOk();
            System.err.println("[redis for tests] cluster " + cluster.url() + " (" + masters + " primaries, "
                    + replicas + " replica(s) each, redis-server processes)");
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void launch(Node node) {
        List<String> command = new ArrayList<>(List.of(RedisServers.findRedisServer(), "--port",
                String.valueOf(node.port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file",
                dir.resolve("nodes-" + node.port + ".conf").toString(), "--cluster-node-timeout",
                String.valueOf(NODE_TIMEOUT_MS),
                // A replica killed-over soon after the cluster formed may not have synced for long: let it take over
                // anyway, as a test that kills its primary expects (Redis's default refuses a replica with stale data).
                "--cluster-replica-validity-factor", "0",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no",
                "--protected-mode", "no"));
        try {
            node.process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log-" + node.port + ".txt").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisServers.awaitPort(node.port, Duration.ofSeconds(30));
    }

    /**
     * Waits until every running node reports {@code cluster_state:ok} and the same primaries for all slots.
     */
    public void awaitOk() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (Node node : nodes) {
                if (!node.alive()) {
                    continue;
                }
                try {
                    last = RedisServers.resp(node.port, "CLUSTER", "INFO");
                    ok &= last.contains("cluster_state:ok") && last.contains("cluster_slots_ok:16384");
                    // A replica counts once it has synced with its primary: only then can it take over with data.
                    String replication = RedisServers.resp(node.port, "INFO", "replication");
                    ok &= !replication.contains("role:slave") || replication.contains("master_link_status:up");
                } catch (UncheckedIOException e) {
                    ok = false;
                }
            }
            if (ok) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("the Redis Cluster is not ok after " + WAIT + ": " + last + " (logs in " + dir
                + ")");
    }

    @Override
    public String url() {
        return nodes.subList(0, masters).stream().map(n -> "redis://127.0.0.1:" + n.port)
                .collect(Collectors.joining(","));
    }

    @Override
    public boolean cluster() {
        return true;
    }

    /** @return every node, primaries first as they were created */
    public List<Node> nodes() {
        return nodes;
    }

    /**
     * @param pattern a glob
     * @return the first non-empty {@code PUBSUB SHARDCHANNELS} reply of a running node, or an empty array's reply
     */
    public String shardChannels(String pattern) {
        for (Node node : nodes) {
            if (node.alive()) {
                String reply = RedisServers.resp(node.port, "PUBSUB", "SHARDCHANNELS", pattern);
                if (!reply.startsWith("*0")) {
                    return reply;
                }
            }
        }
        return "*0\r\n";
    }

    /**
     * @param key a key or sharded channel name
     * @return its slot, as the cluster computes it
     */
    public int slotOf(String key) {
        return Integer.parseInt(command("CLUSTER", "KEYSLOT", key).strip().substring(1));
    }

    /**
     * @param slot a slot
     * @return the running primary that owns it now, by a live node's view
     */
    public Node ownerOf(int slot) {
        for (Node asked : nodes) {
            if (!asked.alive()) {
                continue;
            }
            for (String line : RedisServers.resp(asked.port, "CLUSTER", "NODES").split("\n")) {
                String[] f = line.strip().split(" ");
                if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                    continue;
                }
                for (int i = 8; i < f.length; i++) {
                    String range = f[i];
                    if (range.startsWith("[")) {
                        continue;
                    }
                    String[] ends = range.split("-");
                    int from = Integer.parseInt(ends[0]);
                    int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
                    if (slot >= from && slot <= to) {
                        int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1).split("[@,]")[0]);
                        return nodes.stream().filter(n -> n.port == port).findFirst().orElseThrow();
                    }
                }
            }
            break;
        }
        throw new IllegalStateException("no primary owns slot " + slot);
    }

    /**
     * @param node a node
     * @return its cluster id
     */
    public String idOf(Node node) {
        return RedisServers.resp(node.port, "CLUSTER", "MYID").lines().filter(l -> !l.startsWith("$"))
                .findFirst().orElseThrow().strip();
    }

    /**
     * @param master a primary
     * @return one of its replicas
     */
    public Node replicaOf(Node master) {
        String id = idOf(master);
        for (String line : RedisServers.resp(master.port, "CLUSTER", "NODES").split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length >= 4 && f[2].contains("slave") && f[3].equals(id)) {
                int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1).split("[@,]")[0]);
                return nodes.stream().filter(n -> n.port == port).findFirst().orElseThrow();
            }
        }
        throw new IllegalStateException("primary on " + master.port + " has no replica");
    }

    /**
     * Moves one slot, with its keys, from its owner to another primary, the way {@code redis-cli --cluster reshard}
     * does: IMPORTING/MIGRATING, MIGRATE the keys in batches, then SETSLOT NODE on every primary.
     *
     * @param slot the slot
     * @param to   the primary that takes it
     */
    public void migrate(int slot, Node to) {
        Node from = ownerOf(slot);
        String fromId = idOf(from);
        String toId = idOf(to);
        expectOk(RedisServers.resp(to.port, "CLUSTER", "SETSLOT", String.valueOf(slot), "IMPORTING", fromId));
        expectOk(RedisServers.resp(from.port, "CLUSTER", "SETSLOT", String.valueOf(slot), "MIGRATING", toId));
        for (int round = 0; round < 10_000; round++) {
            List<String> keys = bulkStrings(RedisServers.resp(from.port, "CLUSTER", "GETKEYSINSLOT",
                    String.valueOf(slot), "50"));
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", String.valueOf(to.port), "", "0",
                    "5000", "REPLACE", "KEYS"));
            migrate.addAll(keys);
            String reply = RedisServers.resp(from.port, migrate.toArray(String[]::new));
            if (!reply.startsWith("+OK") && !reply.startsWith("+NOKEY")) {
                throw new IllegalStateException("MIGRATE failed: " + reply);
            }
        }
        expectOk(RedisServers.resp(to.port, "CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", toId));
        expectOk(RedisServers.resp(from.port, "CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", toId));
        for (Node node : nodes.subList(0, masters)) {
            if (node != from && node != to && node.alive()) {
                RedisServers.resp(node.port, "CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", toId);
            }
        }
    }

    /**
     * A manual failover: the replica catches up with its primary, then takes over (CLUSTER FAILOVER on the replica).
     *
     * @param replica the replica to promote
     */
    public void failover(Node replica) {
        expectOk(RedisServers.resp(replica.port, "CLUSTER", "FAILOVER"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (RedisServers.resp(replica.port, "ROLE").contains("master")) {
                return;
            }
            sleep(50);
        }
        throw new IllegalStateException("replica on " + replica.port + " was not promoted within " + WAIT);
    }

    /**
     * Makes a replica take its primary's slots without an election ({@code CLUSTER FAILOVER TAKEOVER}): for a test
     * whose subject is what follows a failover, when the cluster's own election is late.
     *
     * @param replica the replica
     */
    public void takeOver(Node replica) {
        expectOk(RedisServers.resp(replica.port, "CLUSTER", "FAILOVER", "TAKEOVER"));
    }

    /**
     * Kills a node (SIGKILL): a crash, with no chance to hand anything over.
     *
     * @param node the node
     */
    public void kill(Node node) {
        node.process.destroyForcibly();
        waitFor(node.process);
    }

    @Override
    public void stop() {
        for (Node node : nodes) {
            if (node.alive()) {
                node.process.destroy();
                waitFor(node.process);
            }
        }
    }

    @Override
    public void restart() {
        nodes.stream().filter(n -> !n.alive()).forEach(this::launch);
        awaitOk();
    }

    @Override
    public void pause() {
        nodes.stream().filter(Node::alive).forEach(n -> signal(n, "STOP"));
    }

    @Override
    public void unpause() {
        nodes.stream().filter(Node::alive).forEach(n -> signal(n, "CONT"));
    }

    @Override
    public String command(String... args) {
        Node first = nodes.stream().filter(Node::alive).findFirst().orElseThrow();
        String reply = RedisServers.resp(first.port, args);
        for (int hop = 0; hop < 3 && (reply.startsWith("-MOVED") || reply.startsWith("-ASK")); hop++) {
            String target = reply.strip().split(" ")[2];
            reply = RedisServers.resp(Integer.parseInt(target.substring(target.lastIndexOf(':') + 1)), args);
        }
        return reply;
    }

    @Override
    public String kind() {
        return "cluster";
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            if (node.alive()) {
                signal(node, "CONT");
                node.process.destroy();
                waitFor(node.process);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp dir left behind is harmless.
        }
    }

    // The strings of a RESP array of bulk strings, as the plain-socket helper returns it.
    static List<String> bulkStrings(String reply) {
        List<String> out = new ArrayList<>();
        String[] lines = reply.split("\r\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("$") && i + 1 < lines.length && !lines[i].equals("$-1")) {
                out.add(lines[++i]);
            }
        }
        return out;
    }

    private static void expectOk(String reply) {
        if (!reply.startsWith("+OK")) {
            throw new IllegalStateException("Redis answered " + reply.strip());
        }
    }

    private static void signal(Node node, String name) {
        try {
            new ProcessBuilder("kill", "-" + name, String.valueOf(node.process.pid())).start()
                    .waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitFor(Process process) {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(List<String> command, Duration timeout) {
        try {
            Path log = Files.createTempFile("bifrost-redis-cli", ".txt");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            if (!done || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
