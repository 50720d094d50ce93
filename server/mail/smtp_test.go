package mail

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hangUpAtQuit serves SMTP on loopback: it takes every message (250 after
// the data), then drops the connection at QUIT without a reply, as a
// server that is restarting or cut off does. It counts the messages it
// took.
func hangUpAtQuit(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				reply := func(s string) { conn.Write([]byte(s + "\r\n")) }
				reply("220 localhost ESMTP")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); verb {
					case "EHLO", "HELO", "MAIL", "RCPT":
						reply("250 OK")
					case "DATA":
						reply("354 go ahead")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
						}
						accepted.Add(1)
						reply("250 queued")
					case "QUIT":
						return // hung up: no 221
					default:
						reply("502 not implemented")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), accepted
}

// TestSMTPSender_AMessageTakenIsSentEvenIfQuitFails: once the server has
// answered 250 to the message's data, it has the message (RFC 5321 §4.1.1.4);
// a failed QUIT after that must not count as a failed delivery, or the
// queue sends the mail again.
func TestSMTPSender_AMessageTakenIsSentEvenIfQuitFails(t *testing.T) {
	addr, accepted := hangUpAtQuit(t)
	s, err := NewSMTPSender("smtp://"+addr, "authkit <no-reply@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	q := NewQueue(s, 10, slog.New(slog.DiscardHandler))
	q.SetBackoff(time.Millisecond, time.Millisecond)
	q.Enqueue(Message{To: "ann@example.com", Subject: "Hi", Text: "Hello", HTML: "<p>Hello</p>"})
	q.Enqueue(Message{To: "bob@example.com", Subject: "Hi", Text: "Hello", HTML: "<p>Hello</p>"})
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { q.Run(ctx); close(stopped) }()
	// Each message ends sent or given up (its retries a millisecond apart).
	for st := q.Stats(); st.Sent+st.GaveUp < 2; st = q.Stats() {
		time.Sleep(time.Millisecond)
	}
	stop()
	<-stopped
	if st := q.Stats(); st.Sent != 2 || st.Failures != 0 {
		t.Errorf("stats %+v, want 2 sent and no failure", st)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("the server took %d messages for 2 mails", n)
	}
}
