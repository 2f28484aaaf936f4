package io.bifrost.it.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart in docker/helm/bifrost-gateway, linted and rendered by Helm's own library (no cluster needed):
 * what each value set produces, parsed as Kubernetes objects, and the values it refuses with our messages.
 */
class HelmChartTest {
    /** Surefire runs in the it-tests module; the chart sits beside it under docker/. */
    private static final Path CHART = Path.of("").toAbsolutePath().resolveSibling("docker")
            .resolve("helm").resolve("bifrost-gateway");
    private static final String RELEASE = "rt";
    private static final String FULLNAME = "rt-bifrost-gateway";
    private static final String JWT_SECRET = "0123456789abcdef".repeat(5);

    @TempDir
    Path temp;

    @Test
    void lintPassesInStrictModeWithTheDefaultValuesPlusAJwtSecretAndARedisUrl() throws IOException {
        // helm lint reports a template's `fail` as an INFO log line and renders on, so a lint of values that our
        // checks refuse (the default two replicas need Redis) would pass without linting the full output.
        Path chart = copyChartWithValues(Map.of(
                "jwt", Map.of("secret", JWT_SECRET), "redis", Map.of("url", "redis://redis-master:6379")));

        LintResult result = new Helm(chart).lint().strict().call();

        assertFalse(result.isFailed(), "helm lint --strict: " + result.getMessages());
    }

    @Test
    void lintPassesInStrictModeWithEveryOptionalFeatureOn() throws IOException {
        Path chart = copyChartWithValues(Map.of(
                "jwt", Map.of("existingSecret", "bifrost-jwt"),
                "redis", Map.of("existingSecret", "bifrost-redis"),
                "ingress", Map.of("enabled", true, "className", "nginx",
                        "tls", List.of(Map.of("secretName", "realtime-tls", "hosts", List.of("realtime.example.com")))),
                "autoscaling", Map.of("enabled", true),
                "serviceMonitor", Map.of("enabled", true)));

        LintResult result = new Helm(chart).lint().strict().call();

        assertFalse(result.isFailed(), "helm lint --strict: " + result.getMessages());
    }

    @Test
    void minimalValuesRenderOneDeploymentServiceAndSecret() {
        Rendered out = render(Map.of("jwt", Map.of("secret", JWT_SECRET), "replicaCount", 1));

        assertEquals(List.of("Deployment", "Secret", "Service"), out.kinds());
        Map<String, Object> deployment = out.one("Deployment");
        assertEquals("apps/v1", deployment.get("apiVersion"));
        assertEquals(FULLNAME, at(deployment, "metadata", "name"));
        assertEquals(1, at(deployment, "spec", "replicas"));

        Map<String, Object> container = gatewayContainer(deployment);
        assertEquals(List.of(Map.of("name", "http", "containerPort", 3000, "protocol", "TCP")), container.get("ports"));
        assertEquals("bifrost-gateway:0.1.0", container.get("image"));

        Map<String, Map<String, Object>> env = env(container);
        assertEquals("3000", env.get("PORT").get("value"));
        assertEquals("production", env.get("BIFROST_ENV").get("value"));
        assertEquals("10", env.get("BIFROST_DRAIN_SECONDS").get("value"));
        assertTrue(((String) env.get("JAVA_OPTS").get("value")).contains("-XX:MaxRAMPercentage=75"),
                "JAVA_OPTS: " + env.get("JAVA_OPTS"));
        assertEquals(Map.of("name", FULLNAME, "key", "JWT_SECRET"), at(env.get("JWT_SECRET"), "valueFrom", "secretKeyRef"));
        assertFalse(env.containsKey("REDIS_URL"), "no Redis configured, yet REDIS_URL is set: " + env.keySet());

        Map<String, Object> secret = out.one("Secret");
        assertEquals(FULLNAME, at(secret, "metadata", "name"));
        assertEquals(Map.of("JWT_SECRET", base64(JWT_SECRET)), secret.get("data"));
    }

    @Test
    void probesUseTheHealthEndpointsOnTheHttpPort() {
        Map<String, Object> container = gatewayContainer(renderMinimal().one("Deployment"));

        assertEquals(Map.of("path", "/health/live", "port", "http"), at(container, "livenessProbe", "httpGet"));
        assertEquals(Map.of("path", "/health/ready", "port", "http"), at(container, "readinessProbe", "httpGet"));
        assertEquals(Map.of("path", "/health/live", "port", "http"), at(container, "startupProbe", "httpGet"));
    }

    @Test
    void stoppingPodSleepsInPreStopAndGetsPreStopPlusDrainPlusMarginToExit() {
        Map<String, Object> deployment = renderMinimal().one("Deployment");

        assertEquals(List.of("sleep", "5"), at(gatewayContainer(deployment), "lifecycle", "preStop", "exec", "command"));
        assertEquals(5 + 10 + 10, at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds"));
    }

    @Test
    void terminationGracePeriodFollowsChangedPreStopDrainAndMargin() {
        Map<String, Object> deployment = render(Map.of("jwt", Map.of("secret", JWT_SECRET), "replicaCount", 1,
                "preStopSleepSeconds", 3, "drainSeconds", 20, "terminationGraceMarginSeconds", 7)).one("Deployment");

        Map<String, Object> container = gatewayContainer(deployment);
        assertEquals(List.of("sleep", "3"), at(container, "lifecycle", "preStop", "exec", "command"));
        assertEquals("20", env(container).get("BIFROST_DRAIN_SECONDS").get("value"));
        assertEquals(3 + 20 + 7, at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds"));
    }

    @Test
    void podRunsAsNonRootWithAReadOnlyRootFilesystemAndAWritableTmp() {
        Map<String, Object> deployment = renderMinimal().one("Deployment");
        Map<String, Object> podSpec = mapAt(deployment, "spec", "template", "spec");
        Map<String, Object> container = gatewayContainer(deployment);

        assertEquals(true, at(podSpec, "securityContext", "runAsNonRoot"));
        assertEquals(10001, at(podSpec, "securityContext", "runAsUser"));
        assertEquals(true, at(container, "securityContext", "runAsNonRoot"));
        assertEquals(10001, at(container, "securityContext", "runAsUser"));
        assertEquals(true, at(container, "securityContext", "readOnlyRootFilesystem"));
        assertEquals(false, at(container, "securityContext", "allowPrivilegeEscalation"));
        assertEquals(List.of("ALL"), at(container, "securityContext", "capabilities", "drop"));
        assertEquals(List.of(Map.of("name", "tmp", "mountPath", "/tmp")), container.get("volumeMounts"));
        List<Map<String, Object>> volumes = listAt(podSpec, "volumes");
        assertEquals("tmp", volumes.getFirst().get("name"));
        assertTrue(volumes.getFirst().get("emptyDir") instanceof Map, "tmp must be an emptyDir: " + volumes);
    }

    @Test
    void replicasPreferDifferentNodes() {
        Map<String, Object> podSpec = mapAt(renderMinimal().one("Deployment"), "spec", "template", "spec");

        List<Map<String, Object>> preferred = listAt(podSpec, "affinity", "podAntiAffinity",
                "preferredDuringSchedulingIgnoredDuringExecution");
        assertEquals(1, preferred.size());
        assertEquals("kubernetes.io/hostname", at(preferred.getFirst(), "podAffinityTerm", "topologyKey"));
        assertEquals(Map.of("app.kubernetes.io/name", "bifrost-gateway", "app.kubernetes.io/instance", RELEASE),
                at(preferred.getFirst(), "podAffinityTerm", "labelSelector", "matchLabels"));
    }

    @Test
    void serviceForwardsPort80ToTheHttpPortOfTheGatewayPods() {
        Rendered out = renderMinimal();
        Map<String, Object> service = out.one("Service");

        assertEquals("ClusterIP", at(service, "spec", "type"));
        assertEquals(List.of(Map.of("name", "http", "port", 80, "targetPort", "http", "protocol", "TCP")),
                at(service, "spec", "ports"));
        Map<String, Object> podLabels = mapAt(out.one("Deployment"), "spec", "template", "metadata", "labels");
        Map<String, Object> selector = mapAt(service, "spec", "selector");
        assertFalse(selector.isEmpty());
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()),
                "Service selector " + selector + " does not select pods labelled " + podLabels);
    }

    @Test
    void rotatingTheJwtSecretChangesThePodTemplateSoPodsRestart() {
        String before = (String) at(renderMinimal().one("Deployment"), "spec", "template", "metadata", "annotations",
                "checksum/secret");
        String after = (String) at(render(Map.of("jwt", Map.of("secret", "f".repeat(64)), "replicaCount", 1)).one("Deployment"),
                "spec", "template", "metadata", "annotations", "checksum/secret");

        assertTrue(before.matches("[0-9a-f]{64}"), "checksum/secret: " + before);
        assertNotEquals(before, after);
    }

    @Test
    void redisUrlValueGoesIntoTheChartSecretAndTwoReplicasGetADisruptionBudget() {
        String redisUrl = "rediss://:pw@redis.example:6380/0";
        Rendered out = render(Map.of("jwt", Map.of("secret", JWT_SECRET),
                "redis", Map.of("url", redisUrl, "tlsVerify", "none", "prefix", "shop:")));

        assertEquals(List.of("Deployment", "PodDisruptionBudget", "Secret", "Service"), out.kinds());
        assertEquals(2, at(out.one("Deployment"), "spec", "replicas"));
        Map<String, Map<String, Object>> env = env(gatewayContainer(out.one("Deployment")));
        assertEquals(Map.of("name", FULLNAME, "key", "REDIS_URL"), at(env.get("REDIS_URL"), "valueFrom", "secretKeyRef"));
        assertEquals("none", env.get("REDIS_TLS_VERIFY").get("value"));
        assertEquals("shop:", env.get("BIFROST_REDIS_PREFIX").get("value"));
        assertEquals(Map.of("JWT_SECRET", base64(JWT_SECRET), "REDIS_URL", base64(redisUrl)),
                out.one("Secret").get("data"));
        assertEquals(1, at(out.one("PodDisruptionBudget"), "spec", "minAvailable"));
    }

    @Test
    void everyOptionalFeatureRendersWithItsSettings() {
        Rendered out = render(Map.of(
                "replicaCount", 3,
                "jwt", Map.of("existingSecret", "bifrost-jwt", "existingSecretKey", "secret"),
                "redis", Map.of("existingSecret", "bifrost-redis", "existingSecretKey", "url"),
                "ingress", Map.of("enabled", true, "className", "nginx",
                        "hosts", List.of(Map.of("host", "realtime.example.com")),
                        "tls", List.of(Map.of("secretName", "realtime-tls", "hosts", List.of("realtime.example.com")))),
                "autoscaling", Map.of("enabled", true, "minReplicas", 3, "maxReplicas", 12,
                        "targetCPUUtilizationPercentage", 60),
                "podDisruptionBudget", Map.of("enabled", true),
                "serviceMonitor", Map.of("enabled", true, "labels", Map.of("release", "prometheus")),
                "extraEnv", List.of(Map.of("name", "BIFROST_SEND_QUEUE_BYTES", "value", "2097152"))));

        // Both secrets exist already, so the chart creates none.
        assertEquals(List.of("Deployment", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget", "Service",
                "ServiceMonitor"), out.kinds());

        Map<String, Object> deployment = out.one("Deployment");
        assertNull(mapAt(deployment, "spec").get("replicas"), "the HPA owns the replica count");
        assertNull(mapAt(deployment, "spec", "template", "metadata").get("annotations"),
                "no chart Secret, so no checksum annotation");
        Map<String, Map<String, Object>> env = env(gatewayContainer(deployment));
        assertEquals(Map.of("name", "bifrost-jwt", "key", "secret"), at(env.get("JWT_SECRET"), "valueFrom", "secretKeyRef"));
        assertEquals(Map.of("name", "bifrost-redis", "key", "url"), at(env.get("REDIS_URL"), "valueFrom", "secretKeyRef"));
        assertEquals("full", env.get("REDIS_TLS_VERIFY").get("value"));
        assertEquals("bifrost:", env.get("BIFROST_REDIS_PREFIX").get("value"));
        assertEquals("2097152", env.get("BIFROST_SEND_QUEUE_BYTES").get("value"));

        Map<String, Object> ingress = out.one("Ingress");
        assertEquals("networking.k8s.io/v1", ingress.get("apiVersion"));
        assertEquals(Map.of(
                        "nginx.ingress.kubernetes.io/proxy-read-timeout", "3600",
                        "nginx.ingress.kubernetes.io/proxy-send-timeout", "3600",
                        "nginx.ingress.kubernetes.io/proxy-buffering", "off"),
                at(ingress, "metadata", "annotations"));
        assertEquals("nginx", at(ingress, "spec", "ingressClassName"));
        assertEquals(List.of(Map.of("secretName", "realtime-tls", "hosts", List.of("realtime.example.com"))),
                at(ingress, "spec", "tls"));
        List<Map<String, Object>> rules = listAt(ingress, "spec", "rules");
        assertEquals("realtime.example.com", rules.getFirst().get("host"));
        assertEquals(Map.of("path", "/", "pathType", "Prefix",
                        "backend", Map.of("service", Map.of("name", FULLNAME, "port", Map.of("number", 80)))),
                ((List<?>) at(rules.getFirst(), "http", "paths")).getFirst());

        Map<String, Object> hpa = out.one("HorizontalPodAutoscaler");
        assertEquals("autoscaling/v2", hpa.get("apiVersion"));
        assertEquals(Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", FULLNAME),
                at(hpa, "spec", "scaleTargetRef"));
        assertEquals(3, at(hpa, "spec", "minReplicas"));
        assertEquals(12, at(hpa, "spec", "maxReplicas"));
        assertEquals(List.of(Map.of("type", "Resource", "resource", Map.of("name", "cpu",
                        "target", Map.of("type", "Utilization", "averageUtilization", 60)))),
                at(hpa, "spec", "metrics"));

        Map<String, Object> pdb = out.one("PodDisruptionBudget");
        assertEquals("policy/v1", pdb.get("apiVersion"));
        assertEquals(1, at(pdb, "spec", "minAvailable"));
        assertEquals(at(out.one("Service"), "spec", "selector"), at(pdb, "spec", "selector", "matchLabels"));

        Map<String, Object> monitor = out.one("ServiceMonitor");
        assertEquals("monitoring.coreos.com/v1", monitor.get("apiVersion"));
        assertEquals("prometheus", at(monitor, "metadata", "labels", "release"));
        List<Map<String, Object>> endpoints = listAt(monitor, "spec", "endpoints");
        assertEquals("http", endpoints.getFirst().get("port"));
        assertEquals("/metrics", endpoints.getFirst().get("path"));
        assertEquals("30s", endpoints.getFirst().get("interval"));
        Map<String, Object> serviceLabels = mapAt(out.one("Service"), "metadata", "labels");
        Map<String, Object> monitorSelector = mapAt(monitor, "spec", "selector", "matchLabels");
        assertTrue(serviceLabels.entrySet().containsAll(monitorSelector.entrySet()),
                "ServiceMonitor selector " + monitorSelector + " does not select the Service labelled " + serviceLabels);
    }

    @Test
    void renderingWithoutAJwtSecretFailsSayingWhatToSet() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> render(Map.of("replicaCount", 1)));

        assertTrue(e.getMessage().contains("bifrost-gateway: no JWT secret. Set jwt.secret (at least 64 characters"),
                e.getMessage());
    }

    @Test
    void renderingSeveralReplicasWithoutRedisFailsSayingWhy() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> render(Map.of("jwt", Map.of("secret", JWT_SECRET), "replicaCount", 2)));

        assertTrue(e.getMessage().contains("bifrost-gateway: replicaCount is 2 but no Redis is configured."
                + " Set redis.url or redis.existingSecret"), e.getMessage());
    }

    @Test
    void renderingAutoscalingWithoutRedisFailsSayingWhy() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> render(Map.of(
                "jwt", Map.of("secret", JWT_SECRET), "replicaCount", 1, "autoscaling", Map.of("enabled", true))));

        assertTrue(e.getMessage().contains("bifrost-gateway: autoscaling.enabled needs Redis."), e.getMessage());
    }

    @Test
    void renderingAShortJwtSecretFailsWithItsLength() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> render(Map.of("jwt", Map.of("secret", "too-short"), "replicaCount", 1)));

        assertTrue(e.getMessage().contains("bifrost-gateway: jwt.secret is 9 characters; HS512 needs at least 64"),
                e.getMessage());
    }

    @Test
    void renderingAnUnknownRedisTlsVerifyFailsListingTheChoices() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> render(Map.of(
                "jwt", Map.of("secret", JWT_SECRET), "redis", Map.of("url", "redis://r:6379", "tlsVerify", "strict"))));

        assertTrue(e.getMessage().contains("bifrost-gateway: redis.tlsVerify is 'strict'; use full, ca or none"),
                e.getMessage());
    }

    private Rendered renderMinimal() {
        return render(Map.of("jwt", Map.of("secret", JWT_SECRET), "replicaCount", 1));
    }

    /** helm template with these values (written as a values file, so lists and types stay YAML's). */
    private Rendered render(Map<String, Object> values) {
        Path valuesFile;
        try {
            valuesFile = Files.createTempFile(temp, "values-", ".yaml");
            Files.writeString(valuesFile, new Yaml().dump(values), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String manifest = new Helm(CHART).template()
                .withName(RELEASE)
                .withNamespace("realtime")
                .withValuesFile(valuesFile)
                .call();
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(manifest)) {
            if (document != null) {
                objects.add(cast(document));
            }
        }
        return new Rendered(objects, manifest);
    }

    /**
     * The chart copied to a temporary folder with these values merged into its values.yaml: helm lint takes no
     * values of its own, it lints the chart's.
     */
    private Path copyChartWithValues(Map<String, Object> overrides) throws IOException {
        Path copy = temp.resolve("bifrost-gateway");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path target = copy.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Path valuesFile = copy.resolve("values.yaml");
        Map<String, Object> values = new Yaml().load(Files.readString(valuesFile));
        merge(values, overrides);
        Files.writeString(valuesFile, new Yaml().dump(values));
        return copy;
    }

    /** Deep-merges overrides into values, as Helm merges a values file over the chart's defaults. */
    private static void merge(Map<String, Object> values, Map<String, Object> overrides) {
        for (Map.Entry<String, Object> override : overrides.entrySet()) {
            if (override.getValue() instanceof Map<?, ?> nested && values.get(override.getKey()) instanceof Map<?, ?>) {
                merge(cast(values.get(override.getKey())), cast(nested));
            } else {
                values.put(override.getKey(), override.getValue());
            }
        }
    }

    private static Map<String, Object> gatewayContainer(Map<String, Object> deployment) {
        List<Map<String, Object>> containers = listAt(deployment, "spec", "template", "spec", "containers");
        assertEquals(1, containers.size(), "containers: " + containers);
        return containers.getFirst();
    }

    /** The container's env entries by name; fails on a duplicate name, which Kubernetes would silently resolve. */
    private static Map<String, Map<String, Object>> env(Map<String, Object> container) {
        List<Map<String, Object>> entries = listAt(container, "env");
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Map<String, Object> entry : entries) {
            if (byName.put((String) entry.get("name"), entry) != null) {
                fail("env " + entry.get("name") + " is set twice: " + entries);
            }
        }
        return byName;
    }

    /** The value at a path of map keys, failing with the path when any step is missing. */
    private static Object at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> map) || !map.containsKey(key)) {
                return fail("no " + String.join(".", path) + " (stopped at " + key + ") in " + node);
            }
            current = map.get(key);
        }
        return current;
    }

    private static Map<String, Object> mapAt(Object node, String... path) {
        Object value = at(node, path);
        assertTrue(value instanceof Map, String.join(".", path) + " is not a map: " + value);
        return cast(value);
    }

    private static List<Map<String, Object>> listAt(Object node, String... path) {
        Object value = at(node, path);
        assertTrue(value instanceof List, String.join(".", path) + " is not a list: " + value);
        return cast(value);
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** What one helm template rendered: the objects, and the manifest text for failure messages. */
    private record Rendered(List<Map<String, Object>> objects, String manifest) {
        /** Every object's kind, sorted, one entry per object. */
        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).sorted().toList();
        }

        Map<String, Object> one(String kind) {
            List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
            assertEquals(1, found.size(), "expected one " + kind + " in:\n" + manifest);
            return found.getFirst();
        }
    }
}
