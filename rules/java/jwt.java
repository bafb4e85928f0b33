package com.acme.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;

public class TokenService {
    private final Algorithm algorithm;

    public TokenService(byte[] secret) {
        this.algorithm = Algorithm.HMAC256(secret);
    }

    public String currentUser(String token) {
        // ruleid: mergegate.java.jwt-verification-disabled
        DecodedJWT jwt = JWT.decode(token);
        return jwt.getSubject();
    }

    public String verifiedUser(String token) {
        JWTVerifier verifier = JWT.require(algorithm).withIssuer("acme").build();
        // ok: mergegate.java.jwt-verification-disabled
        DecodedJWT jwt = verifier.verify(token);
        return jwt.getSubject();
    }

    public String unsigned(String subject) {
        // ruleid: mergegate.java.jwt-verification-disabled
        return JWT.create().withSubject(subject).sign(Algorithm.none());
    }

    public String signed(String subject) {
        // ok: mergegate.java.jwt-verification-disabled
        return JWT.create().withSubject(subject).sign(algorithm);
    }
}
