package com.acme.xml;

import java.io.InputStream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamReader;
import org.w3c.dom.Document;

public class InvoiceParser {
    public Document parse(InputStream body) throws Exception {
        // ruleid: mergegate.java.xxe
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        DocumentBuilder builder = dbf.newDocumentBuilder();
        return builder.parse(body);
    }

    public Document parseSafely(InputStream body) throws Exception {
        // ok: mergegate.java.xxe
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setXIncludeAware(false);
        return dbf.newDocumentBuilder().parse(body);
    }

    public XMLStreamReader stream(InputStream body) throws Exception {
        // ruleid: mergegate.java.xxe
        XMLInputFactory xif = XMLInputFactory.newInstance();
        return xif.createXMLStreamReader(body);
    }

    public XMLStreamReader streamSafely(InputStream body) throws Exception {
        // ok: mergegate.java.xxe
        XMLInputFactory xif = XMLInputFactory.newFactory();
        xif.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        return xif.createXMLStreamReader(body);
    }
}
