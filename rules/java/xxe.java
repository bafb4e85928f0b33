package com.acme.xml;

import java.io.InputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.stream.XMLStreamReader;
import org.w3c.dom.Document;

public class InvoiceParser {
    public Document parse(InputStream body) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        DocumentBuilder builder = dbf.newDocumentBuilder();
        // ruleid: mergegate.java.xxe
        return builder.parse(body);
    }

    public Document parseSafely(InputStream body) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setXIncludeAware(false);
        // ok: mergegate.java.xxe
        return dbf.newDocumentBuilder().parse(body);
    }

    public XMLStreamReader stream(InputStream body) throws Exception {
        XMLInputFactory xif = XMLInputFactory.newInstance();
        // ruleid: mergegate.java.xxe
        return xif.createXMLStreamReader(body);
    }

    public XMLStreamReader streamSafely(InputStream body) throws Exception {
        XMLInputFactory xif = XMLInputFactory.newFactory();
        xif.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        // ok: mergegate.java.xxe
        return xif.createXMLStreamReader(body);
    }

    public void transform(java.net.Socket sock) throws Exception {
        TransformerFactory tf = TransformerFactory.newInstance();
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        // ruleid: mergegate.java.xxe
        tf.newTransformer(new StreamSource(sock.getInputStream()));
    }

    public void transformSafely(java.net.Socket sock) throws Exception {
        TransformerFactory tf = TransformerFactory.newInstance();
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
        // ok: mergegate.java.xxe
        tf.newTransformer(new StreamSource(sock.getInputStream()));
    }

    public void sax(InputStream body) throws Exception {
        SAXParserFactory spf = SAXParserFactory.newInstance();
        spf.setFeature("http://xml.org/sax/features/external-general-entities", false);
        spf.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        // ok: mergegate.java.xxe
        spf.newSAXParser().parse(body, new org.xml.sax.helpers.DefaultHandler());
    }
}
