package web

import (
	"bytes"
	"net/http"
	"sync"
	"time"
)

// sseStream writes Server-Sent Events. The status line and headers go out
// with the first event, so a request that fails before anything was
// streamed can still get an ordinary JSON error with its status. It is
// safe for concurrent use (a generator may deliver tokens from its own
// goroutine).
type sseStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController

	mu      sync.Mutex
	started bool
	err     error // the first write error: the client has gone
}

func newSSE(w http.ResponseWriter) *sseStream {
	return &sseStream{w: w, rc: http.NewResponseController(w)}
}

// Started reports whether anything was sent.
func (s *sseStream) Started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Event sends "event: name" with v as one line of JSON data. An empty name
// sends a data-only event, as OpenAI streams do.
func (s *sseStream) Event(name string, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return s.write(name, bytes.TrimRight(b, "\n"))
}

// Data sends a data-only event with raw text ("[DONE]").
func (s *sseStream) Data(text string) error { return s.write("", []byte(text)) }

func (s *sseStream) write(name string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if !s.started {
		s.started = true
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
		s.w.WriteHeader(http.StatusOK)
	}
	var buf bytes.Buffer
	if name != "" {
		buf.WriteString("event: ")
		buf.WriteString(name)
		buf.WriteByte('\n')
	}
	buf.WriteString("data: ")
	buf.Write(data)
	buf.WriteString("\n\n")
	// A slow reader must not hold a handler forever.
	_ = s.rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		s.err = err
		return err
	}
	if err := s.rc.Flush(); err != nil {
		s.err = err
	}
	return s.err
}
