package main

// A lean HTTP/1.1 keep-alive client. Generator and server share the same
// two cores, so every microsecond the generator spends is one the server
// does not get: net/http's client costs two goroutines and several channel
// hand-offs per request, this one writes the request bytes and parses the
// response on the caller's goroutine. One httpConn is one simulated client
// with one connection; it is not safe for concurrent use.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// requestTimeout bounds one request (argon2-bound requests queue behind
// each other under load, so it is generous).
const requestTimeout = 60 * time.Second

type httpConn struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
	req  bytes.Buffer // the request being written
	body bytes.Buffer // the last response body
	last http.Header  // the last response's headers
}

func newConn(addr string) *httpConn { return &httpConn{addr: addr} }

// response is one answer. Body is only valid until the next request on
// the same httpConn.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// header is one request header line.
type header struct{ name, value string }

// Dial opens the connection ahead of the first request, so connection
// set-up is not timed as part of a scenario.
func (c *httpConn) Dial() error {
	if c.conn != nil {
		return nil
	}
	conn, err := net.DialTimeout("tcp", c.addr, 10*time.Second)
	if err != nil {
		return err
	}
	c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	return nil
}

// Close drops the connection; the next request dials a new one.
func (c *httpConn) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}

// Do sends one request and reads the whole response. On any transport
// error the connection is dropped and the error returned; the request is
// not retried, since it may have reached the server.
func (c *httpConn) Do(method, path string, body []byte, headers ...header) (response, error) {
	if err := c.Dial(); err != nil {
		return response{}, err
	}
	c.req.Reset()
	fmt.Fprintf(&c.req, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: authkit-bench\r\n", method, path, c.addr)
	for _, h := range headers {
		c.req.WriteString(h.name)
		c.req.WriteString(": ")
		c.req.WriteString(h.value)
		c.req.WriteString("\r\n")
	}
	if body != nil {
		c.req.WriteString("Content-Type: application/json\r\nContent-Length: ")
		c.req.WriteString(strconv.Itoa(len(body)))
		c.req.WriteString("\r\n")
	}
	c.req.WriteString("\r\n")
	c.req.Write(body)

	c.conn.SetDeadline(time.Now().Add(requestTimeout))
	if _, err := c.conn.Write(c.req.Bytes()); err != nil {
		c.Close()
		return response{}, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.Close()
		return response{}, err
	}
	c.body.Reset()
	_, err = io.Copy(&c.body, resp.Body)
	resp.Body.Close()
	if err != nil {
		c.Close()
		return response{}, err
	}
	c.last = resp.Header
	if resp.Close {
		c.Close()
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: c.body.Bytes()}, nil
}
