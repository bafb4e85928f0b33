package com.acme.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

public class Accounts {
    public byte[] hash(String username, String password) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        // ruleid: mergegate.java.weak-password-hash
        byte[] weak = md.digest(password.getBytes(StandardCharsets.UTF_8));
        // ok: mergegate.java.weak-password-hash
        byte[] etag = md.digest(username.getBytes(StandardCharsets.UTF_8));
        // ok: mergegate.java.weak-password-hash
        String strong = new BCryptPasswordEncoder().encode(password);
        return (new String(weak) + new String(etag) + strong).getBytes(StandardCharsets.UTF_8);
    }

    public Cipher[] ciphers() throws Exception {
        // ruleid: mergegate.java.weak-cipher
        Cipher des = Cipher.getInstance("DESede/CBC/PKCS5Padding");
        // ruleid: mergegate.java.weak-cipher
        Cipher ecb = Cipher.getInstance("AES/ECB/PKCS5Padding");
        // ruleid: mergegate.java.weak-cipher
        Cipher defaultMode = Cipher.getInstance("AES");
        // ok: mergegate.java.weak-cipher
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        return new Cipher[] {des, ecb, defaultMode, gcm};
    }
}
