package io.bifrost.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisConfigTest {
    private static final String SECRET = "x".repeat(64);

    @TempDir
    Path dir;

    @Test
    void withoutRedisUrlTheGatewayRunsOnTheInProcessBus() throws Exception {
        assertTrue(load(Map.of()).redis().isEmpty());
    }

    @Test
    void redisUrlSelectsTheRedisBusWithDefaults() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "redis://:pw@cache.internal:6380/2")).redis().orElseThrow();

        assertEquals("redis://:pw@cache.internal:6380/2", redis.url());
        assertEquals(RedisSettings.TlsVerify.FULL, redis.tlsVerify());
        assertEquals("bifrost:", redis.prefix());
        assertEquals(Duration.ofSeconds(2), redis.timeout());
        assertFalse(redis.tls());
    }

    @Test
    void herokuStyleTlsUrlWithVerifyNone() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "rediss://:pw@ec2.example.com:12345",
                "REDIS_TLS_VERIFY", "none", "DYNO", "web.2")).redis().orElseThrow();

        assertTrue(redis.tls());
        assertEquals(RedisSettings.TlsVerify.NONE, redis.tlsVerify());
        assertTrue(redis.instanceId().startsWith("web.2-"), redis.instanceId());
    }

    @Test
    void prefixTimeoutAndInstanceIdAreHonoured() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "redis://localhost", "BIFROST_REDIS_PREFIX", "app-a:",
                "BIFROST_REDIS_TIMEOUT_MS", "750", "BIFROST_INSTANCE_ID", "eu-1")).redis().orElseThrow();

        assertEquals("app-a:", redis.prefix());
        assertEquals(Duration.ofMillis(750), redis.timeout());
        assertEquals("eu-1", redis.instanceId());
    }

    @Test
    void unknownTlsVerifyModeNamesTheVariableAndTheChoices() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("REDIS_URL", "rediss://h:1", "REDIS_TLS_VERIFY", "maybe")));
        assertTrue(e.getMessage().startsWith("REDIS_TLS_VERIFY is 'maybe'; use full, ca or none"), e.getMessage());
    }

    @Test
    void urlWithAnotherSchemeNamesRedisUrlAndTheExpectedForm() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("REDIS_URL", "http://h:6379")));
        assertTrue(e.getMessage().contains("REDIS_URL") && e.getMessage().contains("redis://"), e.getMessage());
    }

    @Test
    void settingsNeverPrintThePassword() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "rediss://user:hunter2@h:6380")).redis().orElseThrow();
        assertFalse(redis.toString().contains("hunter2"), redis.toString());
        assertFalse(load(Map.of("REDIS_URL", "rediss://user:hunter2@h:6380")).toString().contains("hunter2"));
    }

    @Test
    void severalSeedUrlsWithClusterTrueSelectClusterMode() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL", "redis://10.0.0.1:7000, redis://10.0.0.2:7000",
                "BIFROST_REDIS_CLUSTER", "true")).redis().orElseThrow();

        assertTrue(redis.cluster());
        assertEquals(java.util.List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"), RedisSettings.seeds(redis.url()));
        assertEquals("redis://10.0.0.1:7000,redis://10.0.0.2:7000 (cluster), prefix bifrost:, instance "
                + redis.instanceId(), redis.toString());
    }

    @Test
    void severalSeedUrlsWithoutClusterModeNameTheSettingToSet() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("REDIS_URL", "redis://10.0.0.1:7000,redis://10.0.0.2:7000")));
        assertEquals("REDIS_URL is not usable: REDIS_URL lists 2 URLs: that is a Redis Cluster's seed nodes, so set"
                + " BIFROST_REDIS_CLUSTER=true (for Sentinel, list the sentinels inside one"
                + " redis-sentinel://host1:26379,host2:26379#primary-name URL)", e.getMessage());
    }

    @Test
    void clusterFlagOtherThanTrueOrFalseIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("REDIS_URL", "redis://h:1", "BIFROST_REDIS_CLUSTER", "yes")));
        assertEquals("BIFROST_REDIS_CLUSTER is 'yes'; use true (REDIS_URL names a Redis Cluster's nodes) or false",
                e.getMessage());
    }

    @Test
    void sentinelUrlIsOneUrlAndNeverPrintsItsPassword() throws Exception {
        RedisSettings redis = load(Map.of("REDIS_URL",
                "redis-sentinel://:hunter2@s1:26379,s2:26379#mymaster")).redis().orElseThrow();

        assertTrue(redis.sentinel());
        assertFalse(redis.cluster());
        assertEquals(1, RedisSettings.seeds(redis.url()).size());
        assertFalse(redis.toString().contains("hunter2"), redis.toString());
        assertTrue(redis.toString().startsWith("redis-sentinel://s1:26379,s2:26379"), redis.toString());
    }

    @Test
    void sentinelUrlInClusterModeIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("REDIS_URL",
                "redis-sentinel://s1:26379#mymaster", "BIFROST_REDIS_CLUSTER", "true")));
        assertTrue(e.getMessage().contains("unset BIFROST_REDIS_CLUSTER"), e.getMessage());
    }

    private GatewayConfig load(Map<String, String> env) throws ConfigException {
        Map<String, String> all = new HashMap<>(env);
        all.put("JWT_SECRET", SECRET);
        return EnvironmentConfig.load(all, dir).config();
    }
}
