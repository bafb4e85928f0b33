package com.acme.tokens;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Random;

public class Tokens {
    private final Random random = new Random();
    private final SecureRandom secure = new SecureRandom();

    public String generateResetToken() {
        // ruleid: mergegate.java.insecure-randomness
        return Long.toHexString(random.nextLong());
    }

    public String createSession(String user) {
        // ruleid: mergegate.java.insecure-randomness
        String sessionId = Integer.toString((int) (Math.random() * Integer.MAX_VALUE));
        byte[] buf = new byte[32];
        secure.nextBytes(buf);
        // ok: mergegate.java.insecure-randomness
        String csrfToken = Base64.getUrlEncoder().encodeToString(buf);
        return user + sessionId + csrfToken;
    }

    public long backoff(int attempt) {
        // ok: mergegate.java.insecure-randomness
        long jitter = random.nextInt(1000);
        return attempt * 1000L + jitter;
    }
}
