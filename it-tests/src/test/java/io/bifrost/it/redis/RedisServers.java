package io.bifrost.it.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The two ways a test gets a real Redis: a Testcontainers container (what CI uses) or a {@code redis-server}
 * process on a free port (where no Docker engine is reachable).
 */
public final class RedisServers {
    /** The image the tests ask for; .ci/docker-setup.sh builds it locally under this name. */
    public static final String IMAGE = System.getProperty("bifrost.redis.image",
            System.getenv().getOrDefault("BIFROST_REDIS_IMAGE", "bifrost/redis:7"));

    private RedisServers() {
    }

    /** Where Redis runs. */
    public enum Kind {
        /** Testcontainers if Docker answers, else a process. */
        AUTO,
        /** Testcontainers only. */
        CONTAINER,
        /** A redis-server process only. */
        PROCESS;

        static Kind fromProperty() {
            return Kind.valueOf(System.getProperty("bifrost.redis", "auto").toUpperCase(Locale.ROOT));
        }
    }

    /**
     * TLS material for a TLS-only server.
     *
     * @param dir where cert.pem, key.pem and ca.pem are
     */
    public record Tls(Path dir) {
        /** No TLS. */
        public static final Tls NONE = new Tls(null);
    }

    /**
     * Starts a server.
     *
     * @param kind where
     * @param tls  TLS material, or {@link Tls#NONE}
     * @return the running server
     */
    public static RedisServer start(Kind kind, Tls tls) {
        boolean docker = kind != Kind.PROCESS && dockerAvailable();
        if (docker) {
            return announce(new ContainerRedis(tls));
        }
        if (kind == Kind.CONTAINER) {
            throw new IllegalStateException("no Docker engine answers: run .ci/docker-setup.sh (installs docker.io,"
                    + " starts dockerd, builds " + IMAGE + ") or use -Dbifrost.redis=process");
        }
        if (findRedisServer() == null) {
            throw new IllegalStateException("neither a Docker engine nor redis-server is available: run"
                    + " .ci/docker-setup.sh, or apt-get install redis-server");
        }
        return announce(new ProcessRedis(tls));
    }

    // One line in the build log says which path a run took: CI must go through Testcontainers.
    private static RedisServer announce(RedisServer server) {
        System.err.println("[redis for tests] " + server.kind() + " " + server.url()
                + (server.kind().equals("container") ? " (" + IMAGE + ", Testcontainers)" : " (redis-server process)"));
        return server;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static String findRedisServer() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : null;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<String> serverArgs(int port, Tls tls, String tlsDir) {
        List<String> args = new ArrayList<>(List.of("--save", "", "--appendonly", "no", "--protected-mode", "no"));
        if (tls.dir() == null) {
            args.addAll(List.of("--port", String.valueOf(port)));
        } else {
            args.addAll(List.of("--port", "0", "--tls-port", String.valueOf(port),
                    "--tls-cert-file", tlsDir + "/cert.pem", "--tls-key-file", tlsDir + "/key.pem",
                    "--tls-ca-cert-file", tlsDir + "/ca.pem", "--tls-auth-clients", "no"));
        }
        return args;
    }

    /** Sends one command over RESP on a plain socket and returns the reply's first line or bulk text. */
    static String resp(int port, String... args) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                        .append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder reply = new StringBuilder();
            byte[] buffer = new byte[65536];
            int n = in.read(buffer);
            reply.append(new String(buffer, 0, Math.max(0, n), StandardCharsets.UTF_8));
            // Arrays and bulk strings may come in several reads; a short wait gathers the rest.
            socket.setSoTimeout(200);
            try {
                while ((n = in.read(buffer)) > 0) {
                    reply.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (java.net.SocketTimeoutException e) {
                // done
            }
            return reply.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("try") // connecting is the check
    static void awaitPort(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("Redis did not listen on " + port + " within " + timeout);
    }

    /** Redis in a Testcontainers container, bound to a fixed host port so a restart keeps the address. */
    static final class ContainerRedis implements RedisServer {
        private final GenericContainer<?> container;
        private final int port;
        private final boolean tls;

        @SuppressWarnings("resource")
        ContainerRedis(Tls tls) {
            this.port = freePort();
            this.tls = tls.dir() != null;
            GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(IMAGE))
                    .withExposedPorts(6379)
                    .withCommand(serverArgs(6379, tls, "/tls").toArray(String[]::new))
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(new PortBinding(
                            Ports.Binding.bindIpAndPort("127.0.0.1", port), ExposedPort.tcp(6379))))
                    .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
            if (this.tls) {
                // Copied in (docker cp) rather than bind-mounted: a bind makes Testcontainers first check that file
                // mounting works by running a helper image, which it tries to pull; with no registry reachable that
                // costs minutes before it gives up. Copied files stay in the container across stop/start.
                for (String file : List.of("cert.pem", "key.pem", "ca.pem")) {
                    c = c.withCopyFileToContainer(MountableFile.forHostPath(tls.dir().resolve(file), 0644),
                            "/tls/" + file);
                }
            }
            this.container = c;
            container.start();
        }

        @Override
        public String url() {
            return (tls ? "rediss" : "redis") + "://127.0.0.1:" + port;
        }

        @Override
        public void stop() {
            container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(2).exec();
        }

        @Override
        public void restart() {
            container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
            awaitPort(port, Duration.ofSeconds(30));
            if (!tls) {
                awaitPong();
            }
        }

        @Override
        public void pause() {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
        }

        @Override
        public void unpause() {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
        }

        @Override
        public String command(String... args) {
            return resp(port, args);
        }

        @Override
        public String kind() {
            return "container";
        }

        @Override
        public void close() {
            container.stop();
        }

        private void awaitPong() {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    if (resp(port, "PING").startsWith("+PONG")) {
                        return;
                    }
                } catch (RuntimeException e) {
                    // docker-proxy accepts before Redis is up
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            throw new IllegalStateException("Redis did not answer PING after restart");
        }
    }

    /** Redis as a child process on a free port; pause is SIGSTOP, unpause SIGCONT. */
    static final class ProcessRedis implements RedisServer {
        private final int port = freePort();
        private final Tls tls;
        private Process process;

        ProcessRedis(Tls tls) {
            this.tls = tls;
            restart();
        }

        @Override
        public String url() {
            return (tls.dir() != null ? "rediss" : "redis") + "://127.0.0.1:" + port;
        }

        @Override
        public void stop() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void restart() {
            List<String> command = new ArrayList<>();
            command.add(findRedisServer());
            command.addAll(serverArgs(port, tls, tls.dir() == null ? "" : tls.dir().toString()));
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            awaitPort(port, Duration.ofSeconds(30));
        }

        @Override
        public void pause() {
            signal("STOP");
        }

        @Override
        public void unpause() {
            signal("CONT");
        }

        @Override
        public String command(String... args) {
            return resp(port, args);
        }

        @Override
        public String kind() {
            return "process";
        }

        @Override
        public void close() {
            if (process != null && process.isAlive()) {
                unpause();
                stop();
            }
        }

        private void signal(String name) {
            try {
                new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
