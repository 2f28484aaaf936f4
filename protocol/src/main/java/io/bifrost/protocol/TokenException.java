package io.bifrost.protocol;

/**
 * A token that cannot be used. {@link #reason()} is precise, for logs and metrics; what a caller is told over the
 * wire stays Bifrost's ({@code Bad signature}, {@code Not Authorized!}).
 */
public final class TokenException extends Exception {
    /**
     * Why a token was refused.
     */
    public enum Reason {
        /** Signed with another secret, or altered. */
        BAD_SIGNATURE,
        /** Its {@code exp} is in the past. */
        EXPIRED,
        /** Its {@code nbf} is in the future. */
        NOT_YET_VALID,
        /** Not a compact JWS: wrong number of parts, bad base64, bad JSON; or an {@code exp} that is no NumericDate. */
        MALFORMED,
        /** {@code alg: none}. */
        UNSIGNED,
        /** Signed, but not with HS256, HS384 or HS512. */
        UNSUPPORTED_ALGORITHM,
        /** A claim the endpoint needs is absent. */
        MISSING_CLAIM,
        /** A claim has the wrong type or value. */
        INVALID_CLAIM;

        /**
         * @return the reason as a lowercase label, for logs and metrics
         */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    /**
     * @param reason why
     * @param detail what exactly, for logs
     */
    public TokenException(Reason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    /**
     * @param reason why
     * @param detail what exactly, for logs
     * @param cause  the library's own failure, kept out of {@code detail} because its text quotes the token
     */
    TokenException(Reason reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    /**
     * @return why the token was refused
     */
    public Reason reason() {
        return reason;
    }
}
