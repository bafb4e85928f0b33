package com.acme.db;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;

public class Database {
    // ruleid: mergegate.java.hardcoded-connection-credentials
    private static final String URL = "jdbc:mysql://db.internal:3306/shop?user=app&password=hunter2!";
    // ok: mergegate.java.hardcoded-connection-credentials
    private static final String SAFE_URL = "jdbc:postgresql://db.internal:5432/shop";

    public Connection connect() throws Exception {
        // ruleid: mergegate.java.hardcoded-connection-credentials
        Connection a = DriverManager.getConnection(SAFE_URL, "app", "S3cr3tPass");
        // ok: mergegate.java.hardcoded-connection-credentials
        Connection b = DriverManager.getConnection(SAFE_URL, "app", System.getenv("DB_PASSWORD"));
        HikariDataSource ds = new HikariDataSource();
        // ruleid: mergegate.java.hardcoded-connection-credentials
        ds.setPassword("Pr0dPassw0rd");
        // ok: mergegate.java.hardcoded-connection-credentials
        ds.setPassword(System.getenv("DB_PASSWORD"));
        b.close();
        return a;
    }
}
