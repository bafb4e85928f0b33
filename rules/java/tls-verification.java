package com.acme.http;

import java.security.cert.X509Certificate;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.apache.http.conn.ssl.NoopHostnameVerifier;

public class Clients {
    static class TrustAll implements X509TrustManager {
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        // ruleid: mergegate.java.tls-verification-disabled
        public void checkServerTrusted(X509Certificate[] chain, String authType) { }

        public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }

    static class Pinned implements X509TrustManager {
        private final X509TrustManager delegate;

        Pinned(X509TrustManager delegate) { this.delegate = delegate; }

        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        // ok: mergegate.java.tls-verification-disabled
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        public X509Certificate[] getAcceptedIssuers() { return delegate.getAcceptedIssuers(); }
    }

    void configure() {
        // ruleid: mergegate.java.tls-verification-disabled
        HttpsURLConnection.setDefaultHostnameVerifier((host, session) -> true);
        // ruleid: mergegate.java.tls-verification-disabled
        HostnameVerifier noop = NoopHostnameVerifier.INSTANCE;
        // ok: mergegate.java.tls-verification-disabled
        HostnameVerifier strict = HttpsURLConnection.getDefaultHostnameVerifier();
    }
}
