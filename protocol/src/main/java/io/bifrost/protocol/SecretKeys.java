package io.bifrost.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared secret as a key for each accepted HMAC algorithm, and the check of a token's signature with it.
 */
final class SecretKeys {
    private final Map<HmacAlgorithm, SecretKey> keys = new EnumMap<>(HmacAlgorithm.class);
    private final Map<HmacAlgorithm, MacPool> macs = new EnumMap<>(HmacAlgorithm.class);

    /**
     * @param secret the secret's bytes, long enough (the caller checked)
     */
    SecretKeys(byte[] secret) {
        for (HmacAlgorithm alg : HmacAlgorithm.values()) {
            SecretKey key = new SecretKeySpec(secret, alg.jcaName());
            keys.put(alg, key);
            macs.put(alg, new MacPool(alg, key));
        }
    }

    /**
     * @param algorithm the algorithm
     * @return the secret as that algorithm's key
     */
    SecretKey key(HmacAlgorithm algorithm) {
        return keys.get(algorithm);
    }

    /**
     * The MAC of the token up to its second dot, compared in constant time: every character before that dot is
     * base64url (the caller decoded both parts), so the signing input is the token's ASCII prefix.
     *
     * @param algorithm the header's algorithm
     * @param token     the whole token
     * @param secondDot the index of its second dot
     * @param signature the decoded signature
     * @return true if the signature is the secret's
     */
    boolean signatureMatches(HmacAlgorithm algorithm, String token, int secondDot, byte[] signature) {
        MacPool pool = macs.get(algorithm);
        if (signature.length != pool.macLength()) {
            return false;
        }
        Mac mac = pool.take();
        mac.update(token.getBytes(StandardCharsets.US_ASCII), 0, secondDot);
        byte[] expected = mac.doFinal();
        pool.give(mac);
        return MessageDigest.isEqual(expected, signature);
    }
}
