// Package mailtest runs a real SMTP server on loopback for tests
// (github.com/emersion/go-smtp) and decodes what it receives.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The credentials the server accepts.
const (
	Username = "mailer"
	Password = "mail-secret"
)

// Server is an SMTP server that keeps every message it accepts.
type Server struct {
	Addr string
	srv  *smtp.Server
	ln   net.Listener
	mu   sync.Mutex
	msgs []Message
	got  chan struct{}
}

// Message is one received email.
type Message struct {
	From string
	To   []string
	Raw  []byte
}

// Start serves on a free loopback port until the test ends.
func Start(t testing.TB) *Server { return StartOn(t, "127.0.0.1:0") }

// StartOn serves on addr (to bring a "down" server back on its port).
func StartOn(t testing.TB, addr string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, got: make(chan struct{}, 1000)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	go s.srv.Serve(ln)
	t.Cleanup(s.Close)
	return s
}

// URL is the --smtp-url of this server.
func (s *Server) URL() string { return "smtp://" + Username + ":" + Password + "@" + s.Addr }

// Close stops the server.
func (s *Server) Close() {
	s.ln.Close() // at once, even if Serve has not started using it yet
	s.srv.Close()
}

// Messages returns what has been received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns the n-th message (0-based) once it has arrived.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) > n {
			return msgs[n]
		}
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("mail #%d did not arrive within %v (got %d)", n+1, timeout, len(s.Messages()))
		}
	}
}

type session struct {
	s    *Server
	auth bool
	from string
	to   []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != Username || password != Password {
			return errors.New("invalid credentials")
		}
		x.auth = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if !x.auth {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Raw: raw})
	x.s.mu.Unlock()
	x.s.got <- struct{}{}
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// Subject returns the decoded Subject header.
func (m Message) Subject() string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	s, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	return s
}

// Part returns the decoded body of the part with the media type (such as
// "text/plain").
func (m Message) Part(mediaType string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err != nil {
			return ""
		}
		if mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); mt == mediaType {
			b, _ := io.ReadAll(p)
			return strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
}

var linkRE = regexp.MustCompile(`https?://\S+\?token=([A-Za-z0-9_\-%]+)`)

// Link returns the link in the text part and its token.
func (m Message) Link(t testing.TB) (link, token string) {
	t.Helper()
	match := linkRE.FindStringSubmatch(m.Part("text/plain"))
	if match == nil {
		t.Fatalf("no link in mail:\n%s", m.Raw)
	}
	return match[0], match[1]
}
