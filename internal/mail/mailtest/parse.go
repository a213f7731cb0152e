package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Parsed is a received message taken apart: its headers (Subject decoded)
// and the plain-text and HTML alternatives, transfer encoding undone.
type Parsed struct {
	From, To, Subject, MessageID string
	Text, HTML                   string
}

// Parse takes the raw message apart. A message without a text/plain part
// is an error: every message of the shop has one.
func (r Received) Parse() (Parsed, error) {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return Parsed{}, fmt.Errorf("read message: %w", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return Parsed{}, fmt.Errorf("subject: %w", err)
	}
	p := Parsed{From: m.Header.Get("From"), To: m.Header.Get("To"), Subject: subject, MessageID: m.Header.Get("Message-Id")}
	if err := p.addPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body); err != nil {
		return Parsed{}, err
	}
	if p.Text == "" {
		return Parsed{}, fmt.Errorf("no text/plain part")
	}
	return p, nil
}

// addPart keeps a text/plain or text/html body and walks into multiparts.
func (p *Parsed) addPart(contentType, transferEncoding string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			part, err := parts.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := p.addPart(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(transferEncoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	switch mediaType {
	case "text/plain":
		p.Text = string(b)
	case "text/html":
		p.HTML = string(b)
	}
	return nil
}
