package bot

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// checkedStream releases a generated answer sentence by sentence, each
// checked by the guard (figures, citations, hygiene) before it is handed
// on. A sentence whose figures are not in the passages cited so far is held
// back (a citation may follow it); a sentence that cites a passage that was
// not given, or fails hygiene, stops the stream for good. What was released
// was checked; what was held back is never shown unless a later citation
// supports it.
type checkedStream struct {
	g    *guard
	emit func(string)
	// stop is called once when the stream fails, to end the model call.
	stop func()

	mu       sync.Mutex // a generator may call write from its own goroutine
	buf      strings.Builder
	checked  int // bytes of buf up to the last sentence end examined
	released int // bytes of buf handed to emit
	err      error
}

func newCheckedStream(g *guard, emit func(string), stop func()) *checkedStream {
	return &checkedStream{g: g, emit: emit, stop: stop}
}

// write takes the next chunk from the model.
func (c *checkedStream) write(chunk string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.buf.WriteString(chunk)
	c.advance()
}

// finish checks the whole answer (text is the generator's final reply) and
// releases what is left, or returns why the answer failed.
func (c *checkedStream) finish(text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	streamed := c.buf.String()
	if !strings.HasPrefix(strings.TrimLeft(text, " \t\r\n"), strings.TrimLeft(streamed[:c.released], " \t\r\n")) {
		return c.fail(fmt.Errorf("%w: the final reply differs from the text streamed", ErrUngrounded))
	}
	if streamed != text {
		// The reply was not streamed (or not all of it): read it whole.
		c.buf.Reset()
		c.buf.WriteString(streamed[:c.released])
		c.buf.WriteString(strings.TrimLeft(text, " \t\r\n")[len(strings.TrimLeft(streamed[:c.released], " \t\r\n")):])
		c.advance()
		if c.err != nil {
			return c.err
		}
	}
	full := c.buf.String()
	if err := c.g.verify(full); err != nil {
		return c.fail(err)
	}
	if rest := full[c.released:]; rest != "" {
		c.released = len(full)
		c.emit(rest)
	}
	return nil
}

// releasedText is what was handed on.
func (c *checkedStream) releasedText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()[:c.released]
}

// advance examines every sentence completed since the last call.
func (c *checkedStream) advance() {
	text := c.buf.String()
	for {
		end := sentenceEnd(text, c.checked)
		if end < 0 {
			return
		}
		c.checked = end
		v := c.g.check(text[:end])
		if len(v.problems) > 0 {
			c.fail(fmt.Errorf("%w: %s", ErrUngrounded, strings.Join(v.problems, "; ")))
			return
		}
		if len(v.unsupported) > 0 {
			continue // held back: a citation may still follow
		}
		if end > c.released {
			s := text[c.released:end]
			c.released = end
			c.emit(s)
		}
	}
}

func (c *checkedStream) fail(err error) error {
	c.err = err
	if c.stop != nil {
		c.stop()
	}
	return err
}

// sentenceEnd returns the end of the first sentence of text that ends after
// byte from (after its terminator and any citation markers that follow
// it), or -1 when no sentence is complete yet. A terminator is 。！？；!?;,
// a line break, or a full stop followed by a space (not 1.5).
func sentenceEnd(text string, from int) int {
	for i := from; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		end := i + n
		switch {
		case strings.ContainsRune("。！？；!?;\n", r):
		case r == '.':
			if end >= len(text) {
				return -1 // 1.5 or the end of a sentence: not known yet
			}
			if next, _ := utf8.DecodeRuneInString(text[end:]); next != ' ' && next != '\n' {
				i = end
				continue
			}
		default:
			i = end
			continue
		}
		// Citation markers right after the terminator belong to the sentence.
		for {
			m := citationAfter(text[end:])
			if m == 0 {
				break
			}
			end += m
		}
		if end > from {
			return end
		}
		i = end
	}
	return -1
}

// citationAfter returns the length of a citation marker at the start of s
// ("[1]", "【2】", "［3］"), or 0.
func citationAfter(s string) int {
	for _, open := range []string{"[", "【", "［"} {
		if !strings.HasPrefix(s, open) {
			continue
		}
		for i, r := range s[len(open):] {
			switch {
			case r >= '0' && r <= '9', r >= '０' && r <= '９', strings.ContainsRune(",、;-–~ ，", r):
			case r == ']' || r == '】' || r == '］':
				return len(open) + i + utf8.RuneLen(r)
			default:
				return 0
			}
		}
	}
	return 0
}
