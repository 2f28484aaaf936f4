package io.bifrost.protocol;

import java.io.OutputStream;
import java.io.Reader;
import java.util.Map;

import io.jsonwebtoken.io.AbstractDeserializer;
import io.jsonwebtoken.io.AbstractSerializer;

/**
 * Plugs our Jakarta JSON codec into jjwt, so tokens need no second JSON library.
 */
final class ParssonJwtJson {
    private ParssonJwtJson() {
    }

    static final class Reading extends AbstractDeserializer<Map<String, ?>> {
        @Override
        protected Map<String, ?> doDeserialize(Reader reader) throws Exception {
            return Json.parseObject(reader);
        }
    }

    static final class Writing extends AbstractSerializer<Map<String, ?>> {
        @Override
        protected void doSerialize(Map<String, ?> map, OutputStream out) {
            Json.write(map, out);
        }
    }
}
