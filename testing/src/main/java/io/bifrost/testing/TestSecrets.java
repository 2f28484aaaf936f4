package io.bifrost.testing;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Secrets for test gateways: random, so that no test ever carries a secret that could be a real one. */
public final class TestSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestSecrets() {
    }

    /**
     * @return 64 random bytes as 128 hex characters: above the gateway's minimum length, fine for HS512
     */
    public static String random() {
        byte[] bytes = new byte[64];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
