// Package mail sends the kit's emails (password reset, email
// confirmation) through SMTP, off the request path: handlers enqueue a
// message and return; a background worker delivers it with retries. With no
// SMTP server configured, messages are written to the log instead, so a
// developer can follow the links from `make run`.
package mail

import (
	"context"
	"embed"
	"log/slog"
	"sync/atomic"
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

// kitTemplates are the kit's own mails (server/mail/templates).
var kitTemplates = MustParseTemplates(mustSub(templateFS, "templates"))

// Render builds a message from the kit's templates named name (name.txt
// and name.html, whose first line "Subject: …" of the text one is the
// subject).
func Render(name, to string, data any) (Message, error) {
	return kitTemplates.Render(name, to, data)
}

// Queue delivers messages in the background. It is bounded: when full,
// Enqueue refuses a message rather than block a request or grow without
// limit (the user can ask again). Messages live in memory only (tokens are
// never stored in the clear, so the database cannot hold them either): at
// shutdown, Drain delivers those still queued within the grace period, and
// those still waiting for a retry are lost.
type Queue struct {
	ch      chan Message
	sender  Sender
	log     *slog.Logger
	backoff []time.Duration // waits between attempts; len+1 attempts in all

	sending                         atomic.Int64 // being sent now
	retrying                        atomic.Int64 // failed once, waiting for another attempt
	sent, failures, gaveUp, dropped atomic.Uint64
}

// QueueStats describe a queue, for monitoring (package metrics exports
// them).
type QueueStats struct {
	Depth    int    // messages not delivered yet: waiting in the queue, being sent, or waiting for a retry
	Capacity int    // how many may wait in the queue
	Sent     uint64 // delivered
	Failures uint64 // failed attempts, retried or not
	GaveUp   uint64 // messages dropped after their last attempt failed
	Dropped  uint64 // messages refused because the queue was full
}

// Stats returns the queue's figures now.
func (q *Queue) Stats() QueueStats {
	return QueueStats{
		Depth: len(q.ch) + int(q.sending.Load()) + int(q.retrying.Load()), Capacity: cap(q.ch),
		Sent: q.sent.Load(), Failures: q.failures.Load(), GaveUp: q.gaveUp.Load(), Dropped: q.dropped.Load(),
	}
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
		q.dropped.Add(1)
		q.log.Error("mail queue full; message dropped", "to", m.To, "subject", m.Subject)
		return false
	}
}

// Run delivers messages until ctx ends. Each message is retried on its
// own schedule, so one failing address does not hold up the others. A
// delivery under way when ctx ends is finished, not cut off: its message
// has left the queue, and Drain would not find it.
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

// Drain delivers the messages still queued, one attempt each, until the
// queue is empty or ctx ends (the shutdown's grace), and returns how many
// are left undelivered: failed, still queued, or waiting for a retry that
// will not come. It is for the end of the process, once Run has stopped
// (it is then the queue's only reader, so a queued message is there to
// take) and the requests that enqueue have ended.
func (q *Queue) Drain(ctx context.Context) (left int) {
	for ctx.Err() == nil && len(q.ch) > 0 {
		if q.attempt(ctx, <-q.ch) != nil {
			left++
		}
	}
	return left + q.Stats().Depth
}

func (q *Queue) deliver(ctx context.Context, m Message, attempt int) {
	err := q.attempt(context.WithoutCancel(ctx), m)
	if err == nil {
		return
	}
	if attempt >= len(q.backoff) {
		q.gaveUp.Add(1)
		q.log.Error("mail not delivered; giving up", "to", m.To, "subject", m.Subject, "attempts", attempt+1, "err", err)
		return
	}
	wait := q.backoff[attempt]
	q.log.Warn("mail delivery failed; will retry", "to", m.To, "subject", m.Subject, "attempt", attempt+1, "retry_in", wait, "err", err)
	q.retrying.Add(1)
	time.AfterFunc(wait, func() {
		if ctx.Err() != nil {
			return // stopping: the retry stays counted, so Drain reports the message lost
		}
		q.retrying.Add(-1)
		q.deliver(ctx, m, attempt+1)
	})
}

// attempt sends m once, within 30 seconds or until ctx ends, and counts
// the outcome.
func (q *Queue) attempt(ctx context.Context, m Message) error {
	q.sending.Add(1)
	defer q.sending.Add(-1)
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := q.sender.Send(sendCtx, m)
	if err != nil {
		q.failures.Add(1)
		return err
	}
	q.sent.Add(1)
	return nil
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
