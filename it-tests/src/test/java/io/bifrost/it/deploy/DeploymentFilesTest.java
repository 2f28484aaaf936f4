package io.bifrost.it.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.protocol.Json;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files at the repository root and under docker/, checked by parsing them (no image can be built
 * here: base images cannot be pulled) and, where a file holds a command, by running that command: the Dockerfile's
 * HEALTHCHECK against a real gateway. Each check names the file and what a deploy would get wrong.
 */
class DeploymentFilesTest {
    /** Surefire runs in it-tests/; the repository root is the directory holding the modules. */
    private static final Path ROOT = repositoryRoot();
    private static final Path DOCKERFILE = ROOT.resolve("docker").resolve("Dockerfile");
    private static final Path COMPOSE = ROOT.resolve("docker").resolve("compose.yml");
    private static final Path NGINX = ROOT.resolve("docker").resolve("nginx.conf");
    private static final Set<String> SHELLS = Set.of("sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/bash");
    /** Heroku dyno sizes that cannot run more than one dyno of a process type. */
    private static final Set<String> SINGLE_DYNO_SIZES = Set.of("free", "hobby", "eco", "basic");
    private static final int HEROKU_KILL_TIMEOUT_SECONDS = 30;
    private static final long README_DEFAULT_DRAIN_SECONDS = 10;

    // ------------------------------------------------------------------------------------------------ Dockerfile

    @Test
    void dockerfileIsMultiStageAndTheBuildStageBuildsOnlyTheGatewayAndWhatItNeeds() throws IOException {
        Dockerfile file = Dockerfile.parse(DOCKERFILE);
        assertTrue(file.stages().size() >= 2, "docker/Dockerfile: expected a build stage and a runtime stage, got "
                + file.stages().size() + " FROM");
        Stage build = buildStage(file);
        assertNotEquals(file.runtime(), build, "docker/Dockerfile: the jar must come from an earlier stage");
        List<List<String>> mavenRuns = new ArrayList<>();
        for (Instruction run : build.all("RUN")) {
            for (List<String> command : shellCommands(run.args())) {
                if (!command.isEmpty() && command.get(0).matches("(.*/)?(mvn|mvnw)")) {
                    mavenRuns.add(command);
                }
            }
        }
        assertFalse(mavenRuns.isEmpty(), "docker/Dockerfile: the build stage runs no mvn");
        boolean gatewayAlsoMake = mavenRuns.stream().anyMatch(args ->
                projects(args).equals(List.of("gateway"))
                        && (args.contains("-am") || args.contains("--also-make"))
                        && (args.contains("package") || args.contains("install") || args.contains("verify")));
        assertTrue(gatewayAlsoMake, "docker/Dockerfile: the build stage should package `-pl gateway -am`, got "
                + mavenRuns);
        // release 21 in the poms: the build stage's JDK must be 21 or newer.
        assertTrue(largestNumber(tagOf(build.image())) >= 21,
                "docker/Dockerfile: the build stage's image " + build.image() + " has no JDK 21+ in its tag");
    }

    @Test
    void dockerfileRuntimeStageIsAJre21OrNewer() throws IOException {
        Stage runtime = Dockerfile.parse(DOCKERFILE).runtime();
        String image = runtime.image();
        assertTrue(image.toLowerCase(Locale.ROOT).contains("jre"),
                "docker/Dockerfile: the runtime stage should be a JRE image, not " + image);
        Matcher version = Pattern.compile("\\d+").matcher(tagOf(image));
        assertTrue(version.find(), "docker/Dockerfile: the runtime image " + image + " names no Java version");
        assertTrue(Integer.parseInt(version.group()) >= 21,
                "docker/Dockerfile: the runtime image " + image + " is older than Java 21");
    }

    @Test
    void dockerfileCopiesTheJarThePomBuildsAndItsLibsBesideIt() throws Exception {
        Dockerfile file = Dockerfile.parse(DOCKERFILE);
        Stage build = buildStage(file);
        String workdir = build.last("WORKDIR").map(Instruction::args).orElse("/").trim();
        String jarName = gatewayJarName();
        Copy jar = file.runtime().copies().stream()
                .filter(c -> c.sources().size() == 1 && c.sources().get(0).endsWith("/gateway/target/" + jarName))
                .findFirst().orElseThrow(() -> new AssertionError(
                        "docker/Dockerfile: the runtime stage copies no gateway/target/" + jarName));
        Copy libs = file.runtime().copies().stream()
                .filter(c -> c.sources().size() == 1
                        && stripSlash(c.sources().get(0)).endsWith("/gateway/target/libs"))
                .findFirst().orElseThrow(() -> new AssertionError(
                        "docker/Dockerfile: the runtime stage copies no gateway/target/libs (the jar's Class-Path)"));
        for (Copy copy : List.of(jar, libs)) {
            assertEquals(build.name(), copy.from(), "docker/Dockerfile: " + copy.sources() + " must come from the"
                    + " build stage");
            assertTrue(copy.sources().get(0).startsWith(stripSlash(workdir) + "/"), "docker/Dockerfile: "
                    + copy.sources() + " is not under the build stage's WORKDIR " + workdir);
        }
        // The manifest's Class-Path is relative to the jar: libs/ must sit beside it.
        String jarPath = jarDestination(file);
        String jarDir = jarPath.substring(0, jarPath.lastIndexOf('/'));
        assertEquals(jarDir + "/libs", stripSlash(libs.destination()),
                "docker/Dockerfile: libs/ must be copied beside " + jarPath);
    }

    @Test
    void dockerfileRunsAsANumericNonRootUser() throws IOException {
        Instruction user = Dockerfile.parse(DOCKERFILE).runtime().last("USER").orElseThrow(
                () -> new AssertionError("docker/Dockerfile: the runtime stage sets no USER: it would run as root"));
        String value = user.args().trim();
        // Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
        assertTrue(value.matches("\\d+(:\\d+)?"), "docker/Dockerfile: USER " + value + " is not numeric");
        assertNotEquals(0, Integer.parseInt(value.split(":")[0]), "docker/Dockerfile: USER " + value + " is root");
    }

    @Test
    void dockerfileExposesThePortItsPortVariableNames() throws IOException {
        Stage runtime = Dockerfile.parse(DOCKERFILE).runtime();
        String port = runtime.env().get("PORT");
        assertNotNull(port, "docker/Dockerfile: the runtime stage sets no ENV PORT");
        assertTrue(port.matches("\\d+"), "docker/Dockerfile: ENV PORT=" + port + " is not a port");
        List<String> exposed = new ArrayList<>();
        for (Instruction expose : runtime.all("EXPOSE")) {
            for (String word : expose.args().trim().split("\\s+")) {
                exposed.add(word.replaceFirst("/tcp$", ""));
            }
        }
        assertTrue(exposed.contains(port), "docker/Dockerfile: ENV PORT=" + port + " but EXPOSE " + exposed);
    }

    @Test
    void dockerfileSizesTheHeapFromTheContainerMemoryLimit() throws IOException {
        Stage runtime = Dockerfile.parse(DOCKERFILE).runtime();
        String javaOpts = runtime.env().get("JAVA_OPTS");
        assertNotNull(javaOpts, "docker/Dockerfile: the runtime stage sets no JAVA_OPTS");
        Matcher percentage = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(\\.\\d+)?)(\\s|$)").matcher(javaOpts);
        assertTrue(percentage.find(), "docker/Dockerfile: JAVA_OPTS has no -XX:MaxRAMPercentage: " + javaOpts);
        double value = Double.parseDouble(percentage.group(1));
        assertTrue(value > 0 && value <= 90, "docker/Dockerfile: -XX:MaxRAMPercentage=" + value
                + " leaves nothing for metaspace, threads and direct buffers");
        // A fixed heap would win over the percentage.
        assertFalse(javaOpts.matches(".*-Xmx\\S+.*|.*-XX:MaxHeapSize.*"),
                "docker/Dockerfile: JAVA_OPTS fixes the heap: " + javaOpts);
    }

    @Test
    void dockerfileHealthCheckAsksReadinessOnThePortVariable() throws IOException {
        Dockerfile file = Dockerfile.parse(DOCKERFILE);
        List<String> command = healthCommand(file);
        String script = command.size() == 3 && SHELLS.contains(command.get(0)) && command.get(1).equals("-c")
                ? command.get(2) : null;
        assertNotNull(script, "docker/Dockerfile: the HEALTHCHECK should run through a shell so ${PORT} expands,"
                + " got " + command);
        assertTrue(script.contains("/health/ready"), "docker/Dockerfile: the HEALTHCHECK does not ask"
                + " /health/ready: " + script);
        assertTrue(script.contains("${PORT}") || script.matches("(?s).*\\$PORT\\b.*"),
                "docker/Dockerfile: the HEALTHCHECK ignores PORT: " + script);
        String port = file.runtime().env().get("PORT");
        assertFalse(Pattern.compile("[:/]" + Pattern.quote(port) + "\\b").matcher(script).find(),
                "docker/Dockerfile: the HEALTHCHECK hard-codes port " + port + ": " + script);
        if (command.get(0).endsWith("bash")) {
            assertFalse(file.runtime().image().contains("alpine"),
                    "docker/Dockerfile: the HEALTHCHECK needs bash, which " + file.runtime().image() + " lacks");
        }
    }

    /**
     * The HEALTHCHECK command itself, run as Docker runs it (exec form, PORT in the environment) against a real
     * gateway: it must pass on a ready gateway and fail on a 503.
     */
    @Test
    void dockerfileHealthCheckCommandPassesOnAReadyGatewayAndFailsOnA503() throws Exception {
        List<String> command = healthCommand(Dockerfile.parse(DOCKERFILE));
        try (Gateway gateway = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET))) {
            assertEquals(200, TestGateway.get(gateway.uri(), "/health/ready").status());
            Run ready = run(command, Map.of("PORT", String.valueOf(gateway.port())));
            assertEquals(0, ready.exit(), "docker/Dockerfile: the HEALTHCHECK fails against a ready gateway on "
                    + gateway.uri() + " (what does it answer the check's request?): " + ready.output()
                    + "\nraw answer: " + rawAnswer(command, gateway.port()));
        }
        HttpServer draining = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        draining.createContext("/", exchange -> {
            byte[] body = "{\"status\":\"DOWN\",\"detail\":\"draining\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        draining.start();
        try {
            Run down = run(command, Map.of("PORT", String.valueOf(draining.getAddress().getPort())));
            assertNotEquals(0, down.exit(), "docker/Dockerfile: the HEALTHCHECK passes on a 503: " + down.output());
        } finally {
            draining.stop(0);
        }
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        assertNotEquals(0, run(command, Map.of("PORT", String.valueOf(closed))).exit(),
                "docker/Dockerfile: the HEALTHCHECK passes with nothing listening");
    }

    @Test
    void dockerfileEntrypointExecsJavaSoItIsPid1AndGetsSigterm() throws Exception {
        Dockerfile file = Dockerfile.parse(DOCKERFILE);
        Instruction entrypoint = file.runtime().last("ENTRYPOINT").orElseThrow(
                () -> new AssertionError("docker/Dockerfile: the runtime stage has no ENTRYPOINT"));
        List<String> exec = execForm(entrypoint.args());
        assertNotNull(exec, "docker/Dockerfile: ENTRYPOINT is in shell form: /bin/sh would be PID 1 and keep"
                + " SIGTERM from java: " + entrypoint.args());
        assertTrue(exec.size() == 3 && SHELLS.contains(exec.get(0)) && exec.get(1).equals("-c"),
                "docker/Dockerfile: ENTRYPOINT should be [\"sh\", \"-c\", \"exec java ...\"] so JAVA_OPTS expands,"
                        + " got " + exec);
        String script = exec.get(2).trim();
        assertTrue(script.matches("exec\\s+java\\s.*"), "docker/Dockerfile: the ENTRYPOINT's command should start"
                + " with `exec java`, so java replaces the shell as PID 1: " + script);
        assertTrue(script.matches(".*\\s\\$\\{?JAVA_OPTS}?\\s.*"), "docker/Dockerfile: the ENTRYPOINT ignores"
                + " JAVA_OPTS: " + script);
        assertTrue(script.matches(".*\\s-jar\\s+" + Pattern.quote(jarDestination(file)) + "(\\s.*)?"),
                "docker/Dockerfile: the ENTRYPOINT does not run the copied jar " + jarDestination(file) + ": "
                        + script);
        file.runtime().last("STOPSIGNAL").ifPresent(signal -> assertTrue(
                signal.args().trim().matches("(SIG)?TERM|15"),
                "docker/Dockerfile: STOPSIGNAL " + signal.args() + " does not start the drain"));
    }

    @Test
    void dockerignoreKeepsBuildOutputAndGitOutOfTheContext() throws IOException {
        // BuildKit prefers <Dockerfile>.dockerignore beside the Dockerfile over the context's .dockerignore.
        Path specific = ROOT.resolve("docker").resolve("Dockerfile.dockerignore");
        Path ignoreFile = Files.isRegularFile(specific) ? specific : ROOT.resolve(".dockerignore");
        assertTrue(Files.isRegularFile(ignoreFile), "no .dockerignore at the repository root: the build context"
                + " carries target/ and .git");
        List<String> patterns = Files.readAllLines(ignoreFile).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        for (String path : List.of("target", "gateway/target", "protocol/target", "it-tests/target", ".git",
                ".git/objects", "gateway/target/libs")) {
            assertTrue(dockerIgnores(patterns, path), ignoreFile.getFileName() + " does not exclude " + path
                    + ": " + patterns);
        }
        for (String path : List.of("pom.xml", "gateway/pom.xml", "gateway/src/main/java", "protocol/src")) {
            assertFalse(dockerIgnores(patterns, path), ignoreFile.getFileName() + " excludes " + path
                    + ", which the build stage needs");
        }
    }

    // ---------------------------------------------------------------------------------------- compose and nginx

    @Test
    void composeRunsRedisTwoGatewaysAndALoadBalancer() throws IOException {
        Map<String, Object> services = composeServices();
        for (String name : List.of("redis", "gateway-1", "gateway-2", "lb")) {
            assertTrue(services.containsKey(name), "docker/compose.yml has no service " + name + ": "
                    + services.keySet());
        }
        for (String gateway : List.of("gateway-1", "gateway-2")) {
            Map<String, Object> build = map(map(services.get(gateway)).get("build"), gateway + ".build");
            Path context = COMPOSE.getParent().resolve(String.valueOf(build.get("context"))).normalize();
            assertEquals(ROOT.normalize(), context, "docker/compose.yml: " + gateway + " must build from the"
                    + " repository root, as the Dockerfile's COPY . . expects");
            assertEquals(DOCKERFILE.normalize(), context.resolve(String.valueOf(build.get("dockerfile"))).normalize(),
                    "docker/compose.yml: " + gateway + " builds another Dockerfile");
        }
    }

    @Test
    void composeGatewaysShareTheRedisServiceAndNeedTheSecretFromTheEnvironment() throws IOException {
        Map<String, Object> services = composeServices();
        int redisPort = redisServicePort(map(services.get("redis")));
        Set<String> ids = new LinkedHashSet<>();
        for (String gateway : List.of("gateway-1", "gateway-2")) {
            Map<String, String> env = environment(map(services.get(gateway)));
            URI redis = URI.create(String.valueOf(env.get("REDIS_URL")));
            assertTrue(List.of("redis", "rediss").contains(redis.getScheme()), "docker/compose.yml: " + gateway
                    + " REDIS_URL=" + redis);
            assertEquals("redis", redis.getHost(), "docker/compose.yml: " + gateway + "'s REDIS_URL " + redis
                    + " does not point at the redis service");
            assertEquals(redisPort, redis.getPort() == -1 ? 6379 : redis.getPort(), "docker/compose.yml: "
                    + gateway + "'s REDIS_URL " + redis + " is not redis' port");
            String secret = env.get("JWT_SECRET");
            assertNotNull(secret, "docker/compose.yml: " + gateway + " has no JWT_SECRET");
            assertTrue(secret.startsWith("${JWT_SECRET:?") && secret.endsWith("}"), "docker/compose.yml: "
                    + gateway + " must take JWT_SECRET from the environment and refuse to start without it"
                    + " (${JWT_SECRET:?...}), got " + secret);
            String id = env.get("BIFROST_INSTANCE_ID");
            assertTrue(id != null && !id.isBlank(), "docker/compose.yml: " + gateway + " has no"
                    + " BIFROST_INSTANCE_ID");
            ids.add(id);
        }
        assertEquals(2, ids.size(), "docker/compose.yml: the gateways share the BIFROST_INSTANCE_ID " + ids);
    }

    @Test
    void composeGivesEachGatewayMoreThanItsDrainWindowToStop() throws IOException {
        Map<String, Object> services = composeServices();
        for (String gateway : List.of("gateway-1", "gateway-2")) {
            Map<String, Object> service = map(services.get(gateway));
            String drainText = environment(service).get("BIFROST_DRAIN_SECONDS");
            Duration drain = Duration.ofSeconds(drainText == null ? README_DEFAULT_DRAIN_SECONDS
                    : Long.parseLong(drainText.trim()));
            Object grace = service.get("stop_grace_period");
            assertNotNull(grace, "docker/compose.yml: " + gateway + " has no stop_grace_period: the default 10 s"
                    + " SIGKILLs it before a " + drain.toSeconds() + " s drain ends");
            Duration period = goDuration(String.valueOf(grace));
            assertTrue(period.compareTo(drain) > 0, "docker/compose.yml: " + gateway + " stop_grace_period "
                    + grace + " is not longer than BIFROST_DRAIN_SECONDS=" + drain.toSeconds());
        }
    }

    @Test
    void composeLoadBalancerPublishesAPortAndMountsNginxConf() throws IOException {
        Map<String, Object> lb = map(composeServices().get("lb"));
        List<?> ports = (List<?>) lb.get("ports");
        assertTrue(ports != null && !ports.isEmpty(), "docker/compose.yml: lb publishes no port");
        List<?> volumes = (List<?>) lb.get("volumes");
        assertNotNull(volumes, "docker/compose.yml: lb mounts nothing");
        boolean mounted = false;
        for (Object volume : volumes) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts.length >= 2 && COMPOSE.getParent().resolve(parts[0]).normalize().equals(NGINX.normalize())
                    && parts[1].equals("/etc/nginx/nginx.conf")) {
                mounted = true;
            }
        }
        assertTrue(mounted, "docker/compose.yml: lb does not mount ./nginx.conf on /etc/nginx/nginx.conf: "
                + volumes);
        // What is published must be what nginx listens on.
        Set<String> listens = new LinkedHashSet<>();
        for (Nginx.Directive listen : Nginx.parse(NGINX).findAll("listen")) {
            listens.add(listen.args().get(0).replaceFirst(".*:", ""));
        }
        for (Object port : ports) {
            String spec = String.valueOf(port).replaceFirst("/tcp$", "");
            String container = spec.substring(spec.lastIndexOf(':') + 1);
            assertTrue(listens.contains(container), "docker/compose.yml: lb publishes " + spec + " but nginx"
                    + " listens on " + listens);
        }
    }

    @Test
    void nginxBalancesBothGatewaysOnTheirPort() throws IOException {
        Nginx.Directive conf = Nginx.parse(NGINX);
        String port = Dockerfile.parse(DOCKERFILE).runtime().env().get("PORT");
        Map<String, Object> services = composeServices();
        List<Nginx.Directive> upstreams = conf.findAll("upstream");
        assertEquals(1, upstreams.size(), "docker/nginx.conf: expected one upstream block");
        Nginx.Directive upstream = upstreams.get(0);
        Set<String> servers = new LinkedHashSet<>();
        for (Nginx.Directive server : upstream.children("server")) {
            servers.add(server.args().get(0));
        }
        Set<String> expected = new LinkedHashSet<>();
        for (String gateway : List.of("gateway-1", "gateway-2")) {
            String own = environment(map(services.get(gateway))).getOrDefault("PORT", port);
            expected.add(gateway + ":" + own);
        }
        assertEquals(expected, servers, "docker/nginx.conf: the upstream must list both gateways on the port they"
                + " listen on");
        List<String> passes = conf.findAll("proxy_pass").stream().map(d -> d.args().get(0)).toList();
        assertEquals(List.of("http://" + upstream.args().get(0)), passes,
                "docker/nginx.conf: proxy_pass does not go to the upstream");
    }

    @Test
    void nginxPassesWebsocketUpgrades() throws IOException {
        Nginx.Directive conf = Nginx.parse(NGINX);
        Nginx.Directive location = onlyLocation(conf);
        assertEquals(List.of("1.1"), location.one("proxy_http_version").args(),
                "docker/nginx.conf: websockets need proxy_http_version 1.1");
        Map<String, String> headers = new HashMap<>();
        for (Nginx.Directive header : location.children("proxy_set_header")) {
            headers.put(header.args().get(0).toLowerCase(Locale.ROOT), header.args().get(1));
        }
        assertEquals("$http_upgrade", headers.get("upgrade"), "docker/nginx.conf: the Upgrade header is not"
                + " passed");
        String connection = headers.get("connection");
        assertNotNull(connection, "docker/nginx.conf: the Connection header is not set");
        if (connection.startsWith("$")) {
            // A variable: it must be a map from $http_upgrade that yields "upgrade".
            Nginx.Directive map = conf.findAll("map").stream()
                    .filter(m -> m.args().equals(List.of("$http_upgrade", connection))).findFirst()
                    .orElseThrow(() -> new AssertionError("docker/nginx.conf: Connection " + connection
                            + " is not mapped from $http_upgrade"));
            assertTrue(map.children("default").stream().anyMatch(d -> d.args().equals(List.of("upgrade"))),
                    "docker/nginx.conf: the map " + connection + " does not default to upgrade");
        } else {
            assertEquals("upgrade", connection.toLowerCase(Locale.ROOT), "docker/nginx.conf: Connection header");
        }
    }

    @Test
    void nginxKeepsIdleSocketsAndRetriesADrainingInstance() throws IOException {
        Nginx.Directive location = onlyLocation(Nginx.parse(NGINX));
        // Without it nginx's default 60 s applies; the gateway's 15 s pings keep sockets busy only if it is longer.
        Nginx.Directive read = location.one("proxy_read_timeout");
        Duration timeout = nginxTime(read.args().get(0));
        assertTrue(timeout.compareTo(Duration.ofSeconds(60)) >= 0, "docker/nginx.conf: proxy_read_timeout "
                + read.args() + " cuts idle websockets");
        List<String> nextUpstream = location.one("proxy_next_upstream").args();
        assertTrue(nextUpstream.contains("http_503"), "docker/nginx.conf: proxy_next_upstream " + nextUpstream
                + " does not retry a draining instance's 503 on the other one");
    }

    // ---------------------------------------------------------------------------------------------------- Heroku

    @Test
    void appJsonProvisionsASecretProductionModeAndHerokuRedisWithoutCertificateVerification() throws Exception {
        Map<String, Object> app = appJson();
        Map<String, Object> env = map(app.get("env"), "app.json env");
        assertEquals("secret", map(env.get("JWT_SECRET"), "app.json env.JWT_SECRET").get("generator"),
                "app.json: JWT_SECRET should be generated (\"generator\": \"secret\")");
        assertEquals("production", envValue(env, "BIFROST_ENV"), "app.json: BIFROST_ENV");
        assertEquals("none", envValue(env, "REDIS_TLS_VERIFY"),
                "app.json: Heroku Redis' self-signed certificate needs REDIS_TLS_VERIFY=none");
        List<?> addons = (List<?>) app.get("addons");
        assertNotNull(addons, "app.json has no addons");
        boolean redis = false;
        for (Object addon : addons) {
            String plan = addon instanceof Map<?, ?> m ? String.valueOf(m.get("plan")) : String.valueOf(addon);
            redis |= plan.startsWith("heroku-redis:") || plan.equals("heroku-redis");
        }
        assertTrue(redis, "app.json provisions no heroku-redis add-on: " + addons);
    }

    @Test
    void appJsonRunsAtLeastTwoWebDynosOfASizeThatScalesWithTheJavaBuildpack() throws Exception {
        Map<String, Object> app = appJson();
        Map<String, Object> web = map(map(app.get("formation"), "app.json formation").get("web"),
                "app.json formation.web");
        assertTrue(((Number) web.get("quantity")).intValue() >= 2, "app.json: formation.web.quantity "
                + web.get("quantity") + " is not a cluster");
        String size = String.valueOf(web.get("size")).toLowerCase(Locale.ROOT);
        assertFalse(web.get("size") == null || SINGLE_DYNO_SIZES.contains(size),
                "app.json: dyno size " + web.get("size") + " cannot run more than one web dyno");
        List<?> buildpacks = (List<?>) app.get("buildpacks");
        assertNotNull(buildpacks, "app.json names no buildpack");
        List<String> urls = buildpacks.stream().map(b -> String.valueOf(((Map<?, ?>) b).get("url"))).toList();
        assertTrue(urls.contains("heroku/java"), "app.json: buildpacks " + urls + " lack heroku/java");
    }

    @Test
    void appJsonDrainFitsHerokusKillTimeout() throws Exception {
        Map<String, Object> env = map(appJson().get("env"), "app.json env");
        String drainText = envValue(env, "BIFROST_DRAIN_SECONDS");
        long drain = drainText == null ? README_DEFAULT_DRAIN_SECONDS : Long.parseLong(drainText.trim());
        assertTrue(drain > 0 && drain < HEROKU_KILL_TIMEOUT_SECONDS, "app.json: BIFROST_DRAIN_SECONDS=" + drain
                + " does not fit in Heroku's " + HEROKU_KILL_TIMEOUT_SECONDS + " s between SIGTERM and SIGKILL");
    }

    @Test
    void procfileHasOneWebProcessRunningTheJarTheGatewayPomBuilds() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("Procfile")).stream()
                .filter(l -> !l.isBlank() && !l.trim().startsWith("#")).toList();
        List<String> web = lines.stream().filter(l -> l.startsWith("web:")).toList();
        assertEquals(1, web.size(), "Procfile: expected exactly one web: process, got " + lines);
        String command = web.get(0).substring("web:".length()).trim();
        Matcher jar = Pattern.compile("(^|\\s)-jar\\s+(\\S+)").matcher(command);
        assertTrue(command.matches("(exec\\s+)?java\\s.*") && jar.find(), "Procfile: web should run java -jar,"
                + " got " + command);
        assertTrue(command.matches(".*\\s\\$\\{?JAVA_OPTS}?\\s.*"), "Procfile: web ignores JAVA_OPTS: " + command);
        String expected = "gateway/target/" + gatewayJarName();
        assertEquals(expected, jar.group(2), "Procfile: web runs another jar than gateway's pom builds");
        Path built = ROOT.resolve(expected);
        assertTrue(Files.isRegularFile(built), "Procfile: " + expected + " does not exist after the build");
        // Its Class-Path (libs/...) must resolve beside it, as it will in the slug.
        try (JarFile jarFile = new JarFile(built.toFile())) {
            String classPath = jarFile.getManifest().getMainAttributes().getValue("Class-Path");
            assertNotNull(classPath, expected + " has no Class-Path");
            for (String entry : classPath.trim().split("\\s+")) {
                assertTrue(Files.exists(built.getParent().resolve(entry)), expected + "'s Class-Path entry "
                        + entry + " is missing beside it");
            }
        }
    }

    @Test
    void systemPropertiesAsksForJava21OrNewer() throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(ROOT.resolve("system.properties"))) {
            properties.load(reader);
        }
        String version = properties.getProperty("java.runtime.version");
        assertNotNull(version, "system.properties has no java.runtime.version: Heroku would pick its default JDK");
        String trimmed = version.trim().replaceFirst("^1\\.", "");
        Matcher major = Pattern.compile("^(\\d+)").matcher(trimmed);
        assertTrue(major.find() && Integer.parseInt(major.group(1)) >= 21,
                "system.properties: java.runtime.version=" + version + " is older than the code's release 21");
    }

    // --------------------------------------------------------------------------------------------------- helpers

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isDirectory(candidate.resolve("it-tests")) && Files.isDirectory(candidate.resolve("gateway"))
                    && Files.isRegularFile(candidate.resolve("pom.xml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no repository root above " + dir);
    }

    /** The jar gateway/pom.xml builds: its build/finalName plus .jar. */
    private static String gatewayJarName() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document pom = factory.newDocumentBuilder().parse(ROOT.resolve("gateway").resolve("pom.xml").toFile());
        for (Node node = pom.getDocumentElement().getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element build && build.getTagName().equals("build")) {
                for (Node child = build.getFirstChild(); child != null; child = child.getNextSibling()) {
                    if (child instanceof Element finalName && finalName.getTagName().equals("finalName")) {
                        return finalName.getTextContent().trim() + ".jar";
                    }
                }
            }
        }
        throw new AssertionError("gateway/pom.xml has no build/finalName: the jar's name changes with the version");
    }

    private static Stage buildStage(Dockerfile file) {
        String jarName;
        try {
            jarName = gatewayJarName();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        String from = file.runtime().copies().stream()
                .filter(c -> c.from() != null && c.sources().stream().anyMatch(s -> s.endsWith("/" + jarName)))
                .map(Copy::from).findFirst().orElseThrow(() -> new AssertionError(
                        "docker/Dockerfile: the runtime stage copies " + jarName + " from no other stage"));
        List<Stage> stages = file.stages();
        for (int i = 0; i < stages.size() - 1; i++) {
            if (from.equals(stages.get(i).name()) || from.equals(String.valueOf(i))) {
                return stages.get(i);
            }
        }
        throw new AssertionError("docker/Dockerfile: COPY --from=" + from + " names no earlier stage");
    }

    private static String jarDestination(Dockerfile file) throws Exception {
        String jarName = gatewayJarName();
        Copy jar = file.runtime().copies().stream()
                .filter(c -> c.sources().size() == 1 && c.sources().get(0).endsWith("/gateway/target/" + jarName))
                .findFirst().orElseThrow(() -> new AssertionError("docker/Dockerfile: no COPY of " + jarName));
        String dest = jar.destination();
        String workdir = file.runtime().last("WORKDIR").map(i -> i.args().trim()).orElse("/");
        if (!dest.startsWith("/")) {
            dest = stripSlash(workdir) + "/" + dest.replaceFirst("^\\./", "");
        }
        return dest.endsWith("/") ? dest + jarName : dest;
    }

    private static List<String> healthCommand(Dockerfile file) {
        Instruction health = file.runtime().last("HEALTHCHECK").orElseThrow(
                () -> new AssertionError("docker/Dockerfile: the runtime stage has no HEALTHCHECK"));
        Matcher cmd = Pattern.compile("(?s)^((?:\\s*--\\S+)*)\\s*(CMD|NONE)\\b\\s*(.*)$",
                Pattern.CASE_INSENSITIVE).matcher(health.args().trim());
        assertTrue(cmd.matches(), "docker/Dockerfile: unreadable HEALTHCHECK " + health.args());
        assertEquals("CMD", cmd.group(2).toUpperCase(Locale.ROOT), "docker/Dockerfile: HEALTHCHECK NONE");
        List<String> exec = execForm(cmd.group(3));
        // Shell form: Docker runs it with /bin/sh -c.
        return exec != null ? exec : List.of("/bin/sh", "-c", cmd.group(3));
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Run(-1, "(still running after 20 s)");
        }
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8));
    }

    /** The check's script with its final filter removed, to show what the server answered. */
    private static String rawAnswer(List<String> command, int port) {
        try {
            if (command.size() != 3) {
                return "(not a shell command)";
            }
            String script = command.get(2).replaceFirst("\\s*\\|[^|]*$", "");
            return run(List.of(command.get(0), "-c", script), Map.of("PORT", String.valueOf(port))).output();
        } catch (IOException | InterruptedException e) {
            return "(" + e + ")";
        }
    }

    private static Map<String, Object> appJson() throws Exception {
        return Json.parseObject(Files.readString(ROOT.resolve("app.json")));
    }

    private static String envValue(Map<String, Object> env, String name) {
        Object entry = env.get(name);
        if (entry == null) {
            return null;
        }
        // app.json allows "NAME": "value" as well as "NAME": {"value": ...}.
        return entry instanceof Map<?, ?> m ? (m.get("value") == null ? null : String.valueOf(m.get("value")))
                : String.valueOf(entry);
    }

    private static Map<String, Object> composeServices() throws IOException {
        try (Reader reader = Files.newBufferedReader(COMPOSE)) {
            Map<String, Object> compose = new Yaml().load(reader);
            return map(compose.get("services"), "docker/compose.yml services");
        }
    }

    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object raw = service.get("environment");
        if (raw instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        } else if (raw instanceof List<?> list) {
            for (Object item : list) {
                String text = String.valueOf(item);
                int eq = text.indexOf('=');
                env.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? null : text.substring(eq + 1));
            }
        }
        return env;
    }

    private static int redisServicePort(Map<String, Object> redis) {
        Object command = redis.get("command");
        List<String> args = command instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : command == null ? List.of() : List.of(String.valueOf(command).split("\\s+"));
        int i = args.indexOf("--port");
        return i >= 0 && i + 1 < args.size() ? Integer.parseInt(args.get(i + 1)) : 6379;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new AssertionError(what + " is not an object: " + value);
        }
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> map(Object value) {
        return map(value, "service");
    }

    private static Nginx.Directive onlyLocation(Nginx.Directive conf) {
        List<Nginx.Directive> locations = conf.findAll("location");
        assertEquals(1, locations.size(), "docker/nginx.conf: expected one location, got " + locations.size());
        return locations.get(0);
    }

    /** Go's duration syntax, as compose reads stop_grace_period: 1m30s, 20s, 500ms. */
    static Duration goDuration(String text) {
        Matcher part = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(text.trim());
        double nanos = 0;
        int end = 0;
        while (part.find()) {
            assertEquals(end, part.start(), "not a duration: " + text);
            end = part.end();
            double n = Double.parseDouble(part.group(1));
            nanos += n * switch (part.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        assertTrue(end > 0 && end == text.trim().length(), "not a duration: " + text);
        return Duration.ofNanos((long) nanos);
    }

    /** nginx's time syntax: 3600s, 1h, 90 (seconds), 1h30m, 500ms. */
    static Duration nginxTime(String text) {
        if (text.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        Matcher part = Pattern.compile("(\\d+)(ms|s|m|h|d|w|M|y)").matcher(text);
        long millis = 0;
        int end = 0;
        while (part.find()) {
            assertEquals(end, part.start(), "not an nginx time: " + text);
            end = part.end();
            long n = Long.parseLong(part.group(1));
            millis += n * switch (part.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                case "w" -> 7 * 86_400_000L;
                case "M" -> 30 * 86_400_000L;
                default -> 365 * 86_400_000L;
            };
        }
        assertTrue(end > 0 && end == text.length(), "not an nginx time: " + text);
        return Duration.ofMillis(millis);
    }

    private static String stripSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String tagOf(String image) {
        String withoutDigest = image.replaceFirst("@.*$", "");
        int slash = withoutDigest.lastIndexOf('/');
        int colon = withoutDigest.lastIndexOf(':');
        return colon > slash ? withoutDigest.substring(colon + 1) : "latest";
    }

    private static int largestNumber(String text) {
        Matcher number = Pattern.compile("\\d+").matcher(text);
        int largest = -1;
        while (number.find()) {
            largest = Math.max(largest, Integer.parseInt(number.group()));
        }
        return largest;
    }

    /** The module list of a Maven command line: -pl a,b / --projects a,b / -pl=a. */
    private static List<String> projects(List<String> args) {
        List<String> projects = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = null;
            if ((arg.equals("-pl") || arg.equals("--projects")) && i + 1 < args.size()) {
                value = args.get(i + 1);
            } else if (arg.startsWith("-pl=") || arg.startsWith("--projects=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (arg.startsWith("-pl") && arg.length() > 3) {
                value = arg.substring(3);
            }
            if (value != null) {
                for (String p : value.split(",")) {
                    projects.add(p.replaceFirst("^:", "").replaceFirst("^\\./", "").replaceFirst("/$", ""));
                }
            }
        }
        return projects;
    }

    /** A RUN's simple commands (split on && ; ||), each split into words as a shell would. */
    private static List<List<String>> shellCommands(String run) {
        List<String> exec = execForm(run);
        if (exec != null) {
            return List.of(exec);
        }
        List<List<String>> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String word : words(run)) {
            if (word.equals("&&") || word.equals(";") || word.equals("||") || word.equals("|")) {
                commands.add(current);
                current = new ArrayList<>();
            } else {
                current.add(word);
            }
        }
        commands.add(current);
        return commands;
    }

    /** Shell-like words: whitespace-separated, with '...' and "..." quoting and backslash escapes. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < text.length()) {
                    word.append(text.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < text.length()) {
                word.append(text.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** A JSON array of strings (Docker's exec form), or null when the text is not one. */
    static List<String> execForm(String args) {
        String trimmed = args.trim();
        if (!trimmed.startsWith("[")) {
            return null;
        }
        try {
            Object value = Json.parseObject("{\"a\":" + trimmed + "}").get("a");
            return ((List<?>) value).stream().map(v -> (String) v).toList();
        } catch (Exception e) {
            // Docker falls back to shell form for text that is not a JSON array.
            return null;
        }
    }

    /**
     * Docker's .dockerignore semantics, as far as these paths need: patterns are relative to the context root,
     * {@code **} matches any number of directories (including none), a match excludes the path and everything
     * under it, and a later {@code !pattern} re-includes.
     */
    static boolean dockerIgnores(List<String> patterns, String path) {
        boolean excluded = false;
        for (String raw : patterns) {
            boolean negate = raw.startsWith("!");
            String pattern = stripSlash((negate ? raw.substring(1) : raw).trim().replaceFirst("^/", "")
                    .replaceFirst("^\\./", ""));
            Pattern regex = Pattern.compile(globToRegex(pattern) + "(/.*)?");
            if (regex.matcher(path).matches()) {
                excluded = !negate;
            }
        }
        return excluded;
    }

    private static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                    i++;
                    regex.append("(.*/)?");
                } else {
                    regex.append(".*");
                }
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }

    // ---------------------------------------------------------------------------------------- Dockerfile model

    private record Instruction(String keyword, String args, int line) {
    }

    private record Copy(String from, List<String> sources, String destination) {
    }

    private record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        java.util.Optional<Instruction> last(String keyword) {
            List<Instruction> all = all(keyword);
            return all.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(all.get(all.size() - 1));
        }

        /** ENV as the stage ends up with it (later wins). */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction instruction : all("ENV")) {
                List<String> words = words(instruction.args());
                if (!words.isEmpty() && !words.get(0).contains("=")) {
                    // Legacy form: ENV KEY the rest of the line
                    String rest = instruction.args().trim().substring(words.get(0).length()).trim();
                    env.put(words.get(0), String.join(" ", words(rest)));
                    continue;
                }
                for (String word : words) {
                    int eq = word.indexOf('=');
                    env.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
            return env;
        }

        List<Copy> copies() {
            List<Copy> copies = new ArrayList<>();
            for (Instruction copy : all("COPY")) {
                List<String> words = words(copy.args());
                String from = null;
                List<String> rest = new ArrayList<>();
                for (String word : words) {
                    if (word.startsWith("--from=")) {
                        from = word.substring("--from=".length());
                    } else if (!word.startsWith("--")) {
                        rest.add(word);
                    }
                }
                List<String> exec = execForm(String.join(" ", rest));
                List<String> parts = exec != null ? exec : rest;
                if (parts.size() >= 2) {
                    copies.add(new Copy(from, parts.subList(0, parts.size() - 1), parts.get(parts.size() - 1)));
                }
            }
            return copies;
        }
    }

    private record Dockerfile(List<Stage> stages) {
        Stage runtime() {
            return stages.get(stages.size() - 1);
        }

        static Dockerfile parse(Path path) throws IOException {
            List<String> lines = Files.readAllLines(path);
            List<Stage> stages = new ArrayList<>();
            // ARGs before the first FROM, with their defaults: FROM may name its image through them, and a build
            // without --build-arg gets the defaults.
            Map<String, String> globalArgs = new LinkedHashMap<>();
            List<Instruction> current = null;
            StringBuilder logical = new StringBuilder();
            int start = 0;
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                if (line.trim().startsWith("#")) {
                    continue; // comments, also inside a continued instruction
                }
                if (logical.isEmpty()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    start = n + 1;
                }
                String stripped = line.stripTrailing();
                if (stripped.endsWith("\\")) {
                    logical.append(stripped, 0, stripped.length() - 1).append(' ');
                    continue;
                }
                logical.append(stripped);
                String text = logical.toString().trim();
                logical.setLength(0);
                String keyword = text.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
                String args = text.length() > keyword.length() ? text.substring(keyword.length()).trim() : "";
                if (keyword.equals("FROM")) {
                    List<String> words = new ArrayList<>(words(args));
                    words.removeIf(w -> w.startsWith("--"));
                    String name = words.size() >= 3 && words.get(1).equalsIgnoreCase("AS") ? words.get(2) : null;
                    current = new ArrayList<>();
                    String image = words.get(0);
                    for (Map.Entry<String, String> arg : globalArgs.entrySet()) {
                        image = image.replace("${" + arg.getKey() + "}", arg.getValue());
                    }
                    stages.add(new Stage(image, name, current));
                } else if (current == null) {
                    if (!keyword.equals("ARG")) {
                        fail(path + ":" + start + ": " + keyword + " before FROM");
                    }
                    String[] arg = args.split("=", 2);
                    globalArgs.put(arg[0].trim(), arg.length == 2 ? arg[1].trim() : "");
                } else {
                    current.add(new Instruction(keyword, args, start));
                }
            }
            if (stages.isEmpty()) {
                fail(path + " has no FROM");
            }
            return new Dockerfile(stages);
        }
    }

    // ---------------------------------------------------------------------------------------------- nginx model

    /** Just enough of nginx's configuration syntax: directives with words, blocks, comments and quotes. */
    static final class Nginx {
        private Nginx() {
        }

        record Directive(String name, List<String> args, List<Directive> block) {
            List<Directive> children(String name) {
                return block == null ? List.of() : block.stream().filter(d -> d.name().equals(name)).toList();
            }

            Directive one(String name) {
                List<Directive> found = children(name);
                assertEquals(1, found.size(), "docker/nginx.conf: expected one " + name + " in " + this.name
                        + " " + args + ", got " + found.size());
                return found.get(0);
            }

            List<Directive> findAll(String name) {
                List<Directive> found = new ArrayList<>();
                if (block != null) {
                    for (Directive child : block) {
                        if (child.name().equals(name)) {
                            found.add(child);
                        }
                        found.addAll(child.findAll(name));
                    }
                }
                return found;
            }

            @Override
            public String toString() {
                return name + " " + args;
            }
        }

        static Directive parse(Path path) throws IOException {
            List<String> tokens = tokens(Files.readString(path));
            int[] at = {0};
            List<Directive> top = block(tokens, at, path);
            if (at[0] != tokens.size()) {
                fail(path + ": unbalanced }");
            }
            return new Directive("", List.of(), top);
        }

        private static List<Directive> block(List<String> tokens, int[] at, Path path) {
            List<Directive> directives = new ArrayList<>();
            while (at[0] < tokens.size() && !tokens.get(at[0]).equals("}")) {
                List<String> words = new ArrayList<>();
                while (at[0] < tokens.size() && !List.of(";", "{", "}").contains(tokens.get(at[0]))) {
                    words.add(tokens.get(at[0]++));
                }
                if (at[0] >= tokens.size() || words.isEmpty()) {
                    fail(path + ": a directive does not end with ; or a block near " + words);
                }
                String end = tokens.get(at[0]++);
                if (end.equals(";")) {
                    directives.add(new Directive(words.get(0), List.copyOf(words.subList(1, words.size())), null));
                } else if (end.equals("{")) {
                    List<Directive> inner = block(tokens, at, path);
                    if (at[0] >= tokens.size()) {
                        fail(path + ": block " + words + " is not closed");
                    }
                    at[0]++; // }
                    directives.add(new Directive(words.get(0), List.copyOf(words.subList(1, words.size())), inner));
                } else {
                    fail(path + ": " + words + " ends with }");
                }
            }
            return directives;
        }

        private static List<String> tokens(String text) {
            List<String> tokens = new ArrayList<>();
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#') {
                    while (i < text.length() && text.charAt(i) != '\n') {
                        i++;
                    }
                } else if (c == '{' || c == '}' || c == ';') {
                    tokens.add(String.valueOf(c));
                    i++;
                } else if (c == '"' || c == '\'') {
                    int close = text.indexOf(c, i + 1);
                    if (close < 0) {
                        throw new AssertionError("docker/nginx.conf: unterminated quote");
                    }
                    tokens.add(text.substring(i + 1, close));
                    i = close + 1;
                } else {
                    int startToken = i;
                    while (i < text.length() && !Character.isWhitespace(text.charAt(i))
                            && "{};".indexOf(text.charAt(i)) < 0) {
                        i++;
                    }
                    tokens.add(text.substring(startToken, i));
                }
            }
            return tokens;
        }
    }
}
