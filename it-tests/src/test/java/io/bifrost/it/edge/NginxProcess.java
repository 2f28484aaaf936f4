package io.bifrost.it.edge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real nginx in front of a gateway, configured from the {@code docker/nginx.conf} the project ships: its server and
 * location settings are used as they are; only the upstream addresses and the listen address are put on this machine
 * (and the process is kept in the foreground with its files in a temporary directory). A change to the shipped file
 * is therefore a change to what the test proves.
 */
final class NginxProcess implements AutoCloseable {
    private static final Pattern UPSTREAM = Pattern.compile("(upstream\\s+\\w+\\s*\\{)([^}]*)(\\})");
    private static final Pattern UPSTREAM_SERVER = Pattern.compile("(\\bserver\\s+)[^\\s;]+");
    private static final Pattern LISTEN = Pattern.compile("\\blisten\\s+[^;]+;");

    private final Process process;
    private final int port;
    private final Path dir;

    private NginxProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /**
     * @return the nginx executable, if this machine has one
     */
    static Optional<Path> executable() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "nginx");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts nginx with the shipped configuration in front of one gateway.
     *
     * @param nginx    the executable
     * @param shipped  the repository's docker/nginx.conf
     * @param upstream the gateway's base URI (every upstream server is pointed at it)
     * @param dir      a temporary directory for the configuration, pid, logs and temp files
     * @return the running nginx, accepting connections
     * @throws IOException if it cannot be started
     */
    static NginxProcess start(Path nginx, Path shipped, URI upstream, Path dir) throws IOException {
        int port = freePort();
        String conf = localise(Files.readString(shipped), "127.0.0.1:" + upstream.getPort(), "127.0.0.1:" + port, dir);
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-e",
                dir.resolve("error.log").toString(), "-c", confFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        NginxProcess started = new NginxProcess(process, port, dir);
        started.awaitListening(Duration.ofSeconds(10));
        return started;
    }

    /**
     * The shipped configuration, made to run here.
     *
     * @param shipped  docker/nginx.conf's text
     * @param upstream host:port every upstream server becomes
     * @param listen   host:port to listen on
     * @param dir      where nginx keeps its files
     * @return the configuration
     */
    static String localise(String shipped, String upstream, String listen, Path dir) {
        Matcher block = UPSTREAM.matcher(shipped);
        if (!block.find()) {
            throw new IllegalStateException("docker/nginx.conf has no upstream block; update NginxProcess to match it");
        }
        String servers = UPSTREAM_SERVER.matcher(block.group(2)).replaceAll("$1" + upstream);
        String conf = shipped.substring(0, block.start()) + block.group(1) + servers + block.group(3)
                + shipped.substring(block.end());
        Matcher listens = LISTEN.matcher(conf);
        if (!listens.find()) {
            throw new IllegalStateException("docker/nginx.conf has no listen directive; update NginxProcess to match it");
        }
        conf = listens.replaceAll("listen " + listen + ";");
        String temp = String.join("\n", List.of(
                "    access_log " + dir.resolve("access.log") + ";",
                "    client_body_temp_path " + dir.resolve("body") + ";",
                "    proxy_temp_path " + dir.resolve("proxy") + ";",
                "    fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                "    scgi_temp_path " + dir.resolve("scgi") + ";"));
        conf = conf.replaceFirst("\\bhttp\\s*\\{", "http {\n" + Matcher.quoteReplacement(temp));
        return "daemon off;\nmaster_process off;\npid " + dir.resolve("nginx.pid") + ";\nerror_log "
                + dir.resolve("error.log") + ";\n" + conf;
    }

    /**
     * @return {@code http://127.0.0.1:<port>/}, nginx's address
     */
    URI uri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            // Closing must not throw InterruptedException (AutoCloseable): kill it now and keep the flag.
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ":\n"
                        + Files.readString(dir.resolve("stdout.log")) + readIfExists(dir.resolve("error.log")));
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ie);
                }
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("nginx did not listen on " + port + " within " + timeout + ":\n"
                + readIfExists(dir.resolve("error.log")));
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
