package io.bifrost.it.edge;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.bifrost.gateway.testkit.TestGateway;

/**
 * Tokens built byte by byte, as an attacker (or a sloppy backend) builds them: any header, any claims JSON, signed
 * with the test secret or not signed at all. No JWT library decides what may be written.
 */
final class HandMadeJwt {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private HandMadeJwt() {
    }

    /**
     * @param headerJson  the header, exactly
     * @param payloadJson the claims, exactly
     * @return {@code header.payload.signature}, HS512 with the secret the test gateways run with
     */
    static String signed(String headerJson, String payloadJson) {
        String input = encode(headerJson) + "." + encode(payloadJson);
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec(TestGateway.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
            return input + "." + B64URL.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param headerJson  the header, exactly
     * @param payloadJson the claims, exactly
     * @return {@code header.payload.junk}: what anyone can send without knowing the secret
     */
    static String withJunkSignature(String headerJson, String payloadJson) {
        return encode(headerJson) + "." + encode(payloadJson) + "." + B64URL.encodeToString(new byte[64]);
    }

    /**
     * @param claims claims JSON
     * @return a correctly signed HS512 token with those claims
     */
    static String hs512(String claims) {
        return signed("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", claims);
    }

    private static String encode(String json) {
        return B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
