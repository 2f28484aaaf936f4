package io.bifrost.protocol;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.MacAlgorithm;

/**
 * The JWS algorithms a token may be signed with: HMAC with the shared secret. Bifrost signs with HS512.
 */
public enum HmacAlgorithm {
    /** HMAC-SHA256. */
    HS256(Jwts.SIG.HS256, "HmacSHA256"),
    /** HMAC-SHA384. */
    HS384(Jwts.SIG.HS384, "HmacSHA384"),
    /** HMAC-SHA512, Bifrost's and the default. */
    HS512(Jwts.SIG.HS512, "HmacSHA512");

    private final MacAlgorithm jws;
    private final String jcaName;

    HmacAlgorithm(MacAlgorithm jws, String jcaName) {
        this.jws = jws;
        this.jcaName = jcaName;
    }

    MacAlgorithm jws() {
        return jws;
    }

    String jcaName() {
        return jcaName;
    }

    static HmacAlgorithm byHeader(String alg) {
        for (HmacAlgorithm a : values()) {
            if (a.name().equals(alg)) {
                return a;
            }
        }
        return null;
    }
}
