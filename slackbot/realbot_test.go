package slackbot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/retrieval"
)

var (
	indexOnce sync.Once
	testIndex *retrieval.Index
	indexErr  error
)

// newRealBot is the bot over the bundled corpus, its index in memory, with
// conversations kept in convs.
func newRealBot(tb testing.TB, convs convlog.Conversations) *bot.Bot {
	tb.Helper()
	indexOnce.Do(func() {
		c, err := policies.Bundled()
		if err != nil {
			indexErr = err
			return
		}
		testIndex, indexErr = retrieval.Open(context.Background(), c.Valid(), retrieval.Options{})
	})
	if indexErr != nil {
		tb.Fatal(indexErr)
	}
	b, err := bot.New(bot.Config{
		Index: testIndex, Conversations: convs,
		Now: func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// newRealEnv is a Service around the real bot, as cmd wires it: the bot
// and the adapter share one conversation store.
// Without restore, the adapter is not given the store (no thread history
// is read back).
func newRealEnv(tb testing.TB, fake *fakeSlack, restore bool) *testEnv {
	tb.Helper()
	convs := convlog.NewMemory(100)
	e := &testEnv{fake: fake, fb: &fakeLog{}, convs: convs, now: time.Now()}
	cfg := Config{BotToken: "xoxb-test", SigningSecret: testSecret, APIURL: fake.url(), PublicURL: testPublicURL}
	if restore {
		cfg.Conversations = convs
	}
	svc, err := New(cfg, newRealBot(tb, convs), e.fb, NewMemoryDeduper(time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = svc.Close() })
	e.svc, e.h = svc, svc.Handler()
	return e
}

// TestRealBotOverHTTP is the Slack path end to end: a signed app_mention
// posted to /slack/events is acknowledged within Slack's 3 s, and the fake
// Web API gets a threaded reply quoting 50万元 with a link to the article.
// Then, after a "restart" (a new bot with no memory), a follow-up in the
// thread is resolved from the thread's metadata.
func TestRealBotOverHTTP(t *testing.T) {
	fake := newFakeSlack(t)
	e := newRealEnv(t, fake, true)
	srv := httptest.NewServer(e.svc.Handler())
	defer srv.Close()

	const thread = "1714557600.000100"
	body := eventBody("EvReal1", mention("C1", thread, "", "首次被认定为国家级专精特新小巨人企业奖励多少？"))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/events", strings.NewReader(body))
	req.Header = sign(testSecret, time.Now().Unix(), body)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 3 * time.Second} // Slack's patience
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /slack/events: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /slack/events = %d, want 200", resp.StatusCode)
	}

	place := fake.waitFor(t, "chat.postMessage", 1)[0]
	if place.Form.Get("thread_ts") != thread || place.Form.Get("channel") != "C1" {
		t.Errorf("reply in %s thread %q, want C1 thread %s", place.Form.Get("channel"), place.Form.Get("thread_ts"), thread)
	}
	up := fake.waitFor(t, "chat.update", 1)[0]
	got := texts(up.decodedBlocks(t))
	for _, want := range []string{"50万元", testPublicURL + "/policies/wz-mfg-2025#article-6"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %q:\n%s", want, got)
		}
	}

	// The thread as Slack would return it, the answer's metadata included.
	var meta slack.SlackMetadata
	if err := json.Unmarshal([]byte(up.Form.Get("metadata")), &meta); err != nil {
		t.Fatalf("answer metadata %q: %v", up.Form.Get("metadata"), err)
	}
	answer := slack.Message{}
	answer.User, answer.BotID, answer.Timestamp, answer.ThreadTimestamp, answer.Metadata = botUserID, botID, up.Form.Get("ts"), thread, meta
	const followTS = "1714557700.000100"
	fake.setReplies("C1", thread,
		humanMessage(thread, thread, "<@"+botUserID+"> 首次被认定为国家级专精特新小巨人企业奖励多少？"),
		answer,
		humanMessage(followTS, thread, "那省级的呢？"))

	restarted := newRealEnv(t, fake, true)
	restarted.postEvent(t, "EvReal2", message("C1", "channel", followTS, thread, "那省级的呢？"), nil)
	follow := fake.waitFor(t, "chat.update", 2)[1]
	got = texts(follow.decodedBlocks(t))
	if !strings.Contains(got, "20万元") || !strings.Contains(got, "#article-6") {
		t.Errorf("follow-up after a restart = %s, want the provincial reward (20万元) of article 6", got)
	}

	// The same without reading the thread back: the bot has nothing to
	// lean on.
	forgetful := newRealEnv(t, fake, false)
	forgetful.postEvent(t, "EvReal3", message("C1", "channel", followTS, thread, "那省级的呢？"), nil)
	alone := fake.waitFor(t, "chat.update", 3)[2]
	if got := texts(alone.decodedBlocks(t)); strings.Contains(got, "20万元") {
		t.Errorf("follow-up without the thread's history = %s, want no answer", got)
	}
}
