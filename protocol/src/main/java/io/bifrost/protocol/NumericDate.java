package io.bifrost.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

import static io.bifrost.protocol.TokenException.Reason;

/**
 * The {@code exp} claim as RFC 7519 has it, strictly: a JSON number of seconds from 0 to the end of year 9999,
 * fractions allowed. jjwt also takes "1999999999" or an ISO date, and reads 1e300 or 2^63 as 1970.
 */
final class NumericDate {
    /** Latest {@code exp} accepted: 9999-12-31T23:59:59Z, in seconds since 1970. */
    static final long MAX_SECONDS = 253_402_300_799L;
    private static final BigDecimal MAX = BigDecimal.valueOf(MAX_SECONDS);

    private NumericDate() {
    }

    /**
     * @param claims a token's claims
     * @throws TokenException if {@code exp} is present and not a NumericDate in range
     */
    static void checkExp(Map<String, Object> claims) throws TokenException {
        if (!claims.containsKey("exp")) {
            return;
        }
        BigDecimal seconds = switch (claims.get("exp")) {
            case Long l -> BigDecimal.valueOf(l);
            case BigInteger b -> new BigDecimal(b);
            case BigDecimal d -> d;
            case null, default -> throw new TokenException(Reason.MALFORMED,
                    "exp must be a NumericDate: a JSON number of seconds since 1970");
        };
        if (seconds.signum() < 0 || seconds.compareTo(MAX) > 0) {
            throw new TokenException(Reason.MALFORMED, "exp " + claims.get("exp") + " is out of range: send a NumericDate,"
                    + " seconds since 1970 from 0 to " + MAX_SECONDS + " (the end of year 9999)");
        }
    }
}
