// Package mail sends the kit's emails (password reset, email
// confirmation) through SMTP, off the request path: handlers enqueue a
// message and return; a background worker delivers it with retries. With no
// SMTP server configured, messages are written to the log instead, so a
// developer can follow the links from `make run`.
package mail

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	texttemplate "text/template"
	"time"
)

// Message is one email.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers one message, or fails so the queue can retry.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

// LogSender writes messages to the log: the development default.
func LogSender(log *slog.Logger) Sender {
	return SenderFunc(func(ctx context.Context, m Message) error {
		log.InfoContext(ctx, "mail (no --smtp-url set, so it is logged instead of sent)",
			"to", m.To, "subject", m.Subject, "text", m.Text)
		return nil
	})
}

//go:embed templates
var templateFS embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/*.html"))
)

// Render builds a message from the templates named name (name.txt and
// name.html, whose first line "Subject: …" of the text one is the subject).
func Render(name, to string, data any) (Message, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return Message{}, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", data); err != nil {
		return Message{}, err
	}
	subject, body, ok := bytes.Cut(text.Bytes(), []byte("\n"))
	if !ok || !bytes.HasPrefix(subject, []byte("Subject: ")) {
		return Message{}, fmt.Errorf("mail: template %s.txt must start with a Subject: line", name)
	}
	return Message{
		To:      to,
		Subject: string(bytes.TrimPrefix(subject, []byte("Subject: "))),
		Text:    string(bytes.TrimLeft(body, "\n")),
		HTML:    html.String(),
	}, nil
}

// Queue delivers messages in the background. It is bounded: when full,
// Enqueue refuses a message rather than block a request or grow without
// limit (the user can ask again). Messages live in memory only, so those
// still queued when the process stops are lost; tokens are never stored in
// the clear, so the database cannot hold them either.
type Queue struct {
	ch      chan Message
	sender  Sender
	log     *slog.Logger
	backoff []time.Duration // waits between attempts; len+1 attempts in all
}

// NewQueue returns a queue of the given capacity that delivers through
// sender, trying each message up to 6 times over about 10 minutes.
func NewQueue(sender Sender, capacity int, log *slog.Logger) *Queue {
	return &Queue{
		ch: make(chan Message, capacity), sender: sender, log: log,
		backoff: []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second, 2 * time.Minute, 8 * time.Minute},
	}
}

// SetBackoff replaces the waits between attempts (tests shorten them).
func (q *Queue) SetBackoff(waits ...time.Duration) { q.backoff = waits }

// Enqueue adds a message without blocking; it reports false when full.
func (q *Queue) Enqueue(m Message) bool {
	select {
	case q.ch <- m:
		return true
	default:
		q.log.Error("mail queue full; message dropped", "to", m.To, "subject", m.Subject)
		return false
	}
}

// Run delivers messages until ctx ends. Each message is retried on its
// own schedule, so one failing address does not hold up the others.
func (q *Queue) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-q.ch:
			q.deliver(ctx, m, 0)
		}
	}
}

func (q *Queue) deliver(ctx context.Context, m Message, attempt int) {
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := q.sender.Send(sendCtx, m)
	cancel()
	if err == nil {
		return
	}
	if attempt >= len(q.backoff) {
		q.log.Error("mail not delivered; giving up", "to", m.To, "subject", m.Subject, "attempts", attempt+1, "err", err)
		return
	}
	wait := q.backoff[attempt]
	q.log.Warn("mail delivery failed; will retry", "to", m.To, "subject", m.Subject, "attempt", attempt+1, "retry_in", wait, "err", err)
	time.AfterFunc(wait, func() {
		if ctx.Err() == nil {
			q.deliver(ctx, m, attempt+1)
		}
	})
}

// SenderQueue is a mailer that delivers synchronously through sender,
// for tools and tests that have no queue running.
func SenderQueue(sender Sender) interface{ Enqueue(Message) bool } {
	return syncQueue{sender}
}

type syncQueue struct{ sender Sender }

func (q syncQueue) Enqueue(m Message) bool {
	return q.sender.Send(context.Background(), m) == nil
}
