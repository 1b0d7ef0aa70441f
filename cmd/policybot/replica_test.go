package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"policybot/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster after the tests and
// removes the program the replica tests built.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// propagation is the deadline of a change across replicas (docs/DEPLOY.md):
// a corpus change made on one replica answers on the others within 2 s.
// The tests poll up to it.
const propagation = 2 * time.Second

const (
	replicaAdminToken = "replica-test-admin-token-0123456789"
	replicaSlackToken = "xoxb-replica-test"
	replicaSigning    = "replica-test-signing-secret"
)

// A document that is not in the bundled corpus, and a question only it
// answers.
const (
	hqDocID    = "wz-hq-2026"
	hqQuestion = "新设立区域总部的企业，一次性奖励多少？"
	hqAnswer   = "300万元"
)

func hqMarkdown(id, amount string) string {
	return `---
id: ` + id + `
title: 关于支持总部经济发展的若干措施（测试文本）
category: commerce
issuer: 苏州市吴中区人民政府
effective_from: 2025-01-01
effective_to: 2099-12-31
lead_department: 区商务局
sample: true
---

# 关于支持总部经济发展的若干措施（测试文本）

第一条 为吸引企业在吴中区设立区域总部，制定本措施。

第二条 对新设立区域总部的企业，给予一次性奖励` + amount + `。（责任单位：区商务局）
`
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// policybotBinary builds the program once per test run: the replicas are
// real processes, so that one can be killed with SIGKILL.
func policybotBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "policybot-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "policybot")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		out, err := exec.Command(goTool, "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// replica is one `policybot serve` process.
type replica struct {
	name   string
	dir    string // its working directory, with its data directory
	cmd    *exec.Cmd
	base   string
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{}
	err    error // after exited
}

// startDeadline bounds how long a replica may take to become ready.
var startDeadline = 2 * time.Minute

// startReplica starts `policybot serve` with env on a free port, in the
// directory dir (a new one when empty; its data directory is dir/data),
// and waits until /readyz says ready.
func startReplica(t *testing.T, name, dir string, env map[string]string) *replica {
	t.Helper()
	bin := policybotBinary(t)
	if dir == "" {
		dir = t.TempDir()
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir // no stray .env
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "POLICYBOT_ADDR=127.0.0.1:0", "POLICYBOT_DATA_DIR=" + filepath.Join(dir, "data")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	r := &replica{name: name, dir: dir, cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.stdout, r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", name, err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("replica %s stderr:\n%s", r.name, r.stderr.String())
		}
	})
	// The deadline only keeps a broken replica from hanging the run.
	deadline := time.Now().Add(startDeadline)
	for {
		if r.base == "" {
			if m := listeningRE.FindStringSubmatch(r.stdout.String()); m != nil {
				r.base = m[1]
			}
		}
		if r.base != "" {
			if res, err := http.Get(r.base + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return r
				}
			}
		}
		select {
		case <-r.exited:
			t.Fatalf("replica %s exited at start: %v\nstderr:\n%s", name, r.err, r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not ready\nstdout:\n%s\nstderr:\n%s", name, r.stdout.String(), r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the process at once, as a crash or an OOM kill would.
func (r *replica) kill() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
}

// stop asks for a graceful stop (SIGTERM) and waits for it.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(time.Minute):
		r.kill()
		t.Errorf("replica %s did not stop within a minute of SIGTERM", r.name)
	}
}

// ask asks the replica a question through POST /api/chat.
func (r *replica) ask(t *testing.T, question string) serveChat {
	t.Helper()
	res, body := postJSON(t, r.base+"/api/chat", map[string]string{"message": question})
	var chat serveChat
	if err := json.Unmarshal(body, &chat); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("replica %s: POST /api/chat = %d %s (%v)", r.name, res.StatusCode, body, err)
	}
	return chat
}

// cites reports whether the answer cites doc and says want.
func cites(c serveChat, doc, want string) bool {
	for _, ct := range c.Citations {
		if ct.Doc == doc {
			return strings.Contains(c.Answer, want)
		}
	}
	return false
}

// adminDo sends an admin API request with the bearer token.
func (r *replica) adminDo(t *testing.T, method, path, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+replicaAdminToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("replica %s: %s %s: %v", r.name, method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

// uploadRequest is a multipart upload of one file.
func uploadRequest(t *testing.T, name, content string) (contentType string, body *bytes.Buffer) {
	t.Helper()
	body = &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), body
}

// publish uploads a document and publishes it at once.
func (r *replica) publish(t *testing.T, name, content string) {
	t.Helper()
	ct, body := uploadRequest(t, name, content)
	code, data := r.adminDo(t, http.MethodPost, "/admin/api/documents?publish=1", ct, body)
	if code != http.StatusCreated || !strings.Contains(string(data), `"published":true`) {
		t.Fatalf("replica %s: upload and publish %s = %d %s", r.name, name, code, data)
	}
}

// await polls check on r until it holds or the propagation deadline,
// counted from since, has passed. It returns how long it took.
func await(t *testing.T, r *replica, since time.Time, what string, check func() bool) time.Duration {
	t.Helper()
	for {
		if check() {
			took := time.Since(since)
			t.Logf("replica %s: %s after %v", r.name, what, took.Round(time.Millisecond))
			return took
		}
		if time.Since(since) > propagation {
			t.Fatalf("replica %s: not %s within %v of the change (the deadline across replicas)\nstderr:\n%s", r.name, what, propagation, r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeSlackAPI is the Slack Web API as the replicas call it: it records
// every call and answers ok.
type fakeSlackAPI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []url.Values // with "method" set
	ts    int
}

func newFakeSlackAPI(t *testing.T) *fakeSlackAPI {
	f := &fakeSlackAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		method := strings.TrimPrefix(r.URL.Path, "/api/")
		f.mu.Lock()
		form := url.Values{}
		for k, v := range r.PostForm {
			form[k] = v
		}
		form.Set("method", method)
		f.calls = append(f.calls, form)
		f.ts++
		ts := fmt.Sprintf("1764237%03d.000200", f.ts)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "auth.test":
			io.WriteString(w, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"T1"}`)
		case "chat.postMessage":
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.PostForm.Get("channel"), ts)
		case "chat.update":
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.PostForm.Get("channel"), r.PostForm.Get("ts"))
		case "conversations.replies", "conversations.history":
			io.WriteString(w, `{"ok":true,"has_more":false,"messages":[]}`)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// count returns how many calls of method were made in the thread.
func (f *fakeSlackAPI) count(method, channel, thread string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Get("method") == method && c.Get("channel") == channel && (thread == "" || c.Get("thread_ts") == thread) {
			n++
		}
	}
	return n
}

// updates returns the texts and blocks of the chat.update calls in channel.
func (f *fakeSlackAPI) updates(channel string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.calls {
		if c.Get("method") == "chat.update" && c.Get("channel") == channel {
			b.WriteString(c.Get("text") + c.Get("blocks"))
		}
	}
	return b.String()
}

// postSlackEvent delivers an Events API payload as Slack does, signed.
func postSlackEvent(t *testing.T, r *replica, body []byte, retry int) int {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(replicaSigning))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	req, _ := http.NewRequest(http.MethodPost, r.base+"/slack/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("replica %s: POST /slack/events: %v", r.name, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestTwoReplicas runs two `policybot serve` processes on one PostgreSQL
// (docs/DEPLOY.md): a change made through one answers on the other within 2 s,
// a replica killed in the middle of a publish leaves no trace of it, and a
// Slack event delivered to both is answered once.
func TestTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program and starts PostgreSQL and two replicas")
	}
	dbURL := pgtest.URL(t)
	slackAPI := newFakeSlackAPI(t)
	env := map[string]string{
		"DATABASE_URL":          dbURL,
		"POLICYBOT_ADMIN_TOKEN": replicaAdminToken,
		"POLICYBOT_RATE_LIMIT":  "0",
		"POLICYBOT_LOG_LEVEL":   "info",
		"SLACK_BOT_TOKEN":       replicaSlackToken,
		"SLACK_SIGNING_SECRET":  replicaSigning,
		"SLACK_API_URL":         slackAPI.srv.URL + "/api/",
	}
	// Both start at once on the empty database: they race to migrate it
	// (advisory lock) and to seed the bundled corpus (one wins).
	var a, b *replica
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startReplica(t, "A", "", env) }()
	go func() { defer wg.Done(); b = startReplica(t, "B", "", env) }()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	t.Run("PublishRetireRollbackPropagate", func(t *testing.T) {
		logA, logB := len(a.stderr.String()), len(b.stderr.String())
		if c := b.ask(t, hqQuestion); cites(c, hqDocID, hqAnswer) {
			t.Fatalf("before the publish, B already answers from %s: %+v", hqDocID, c)
		}
		a.publish(t, "hq.md", hqMarkdown(hqDocID, hqAnswer))
		published := time.Now()
		await(t, b, published, "answering from the document published on A", func() bool { return cites(b.ask(t, hqQuestion), hqDocID, hqAnswer) })

		// Version 2 through B, then a rollback to version 1 through B:
		// A follows both.
		b.publish(t, "hq-v2.md", hqMarkdown(hqDocID, "500万元"))
		changed := time.Now()
		await(t, a, changed, "answering from version 2 published on B", func() bool { return cites(a.ask(t, hqQuestion), hqDocID, "500万元") })
		code, data := b.adminDo(t, http.MethodPost, "/admin/api/documents/"+hqDocID+"/rollback?version=1", "", nil)
		if code != http.StatusOK {
			t.Fatalf("rollback on B = %d %s", code, data)
		}
		changed = time.Now()
		await(t, a, changed, "answering from version 1 again after the rollback on B", func() bool { return cites(a.ask(t, hqQuestion), hqDocID, hqAnswer) })

		code, data = a.adminDo(t, http.MethodPost, "/admin/api/documents/"+hqDocID+"/retire", "", nil)
		if code != http.StatusOK {
			t.Fatalf("retire on A = %d %s", code, data)
		}
		changed = time.Now()
		await(t, b, changed, "leaving the document retired on A out", func() bool {
			c := b.ask(t, hqQuestion)
			for _, ct := range c.Citations {
				if ct.Doc == hqDocID {
					return false
				}
			}
			return true
		})

		// Each replica updated its index in place, four times — the
		// changes it made and those it was notified of — and built none.
		for _, r := range []struct {
			*replica
			from int
		}{{a, logA}, {b, logB}} {
			l := r.stderr.String()[r.from:]
			if n := strings.Count(l, "retrieval: index updated"); n != 4 {
				t.Errorf("replica %s logged %d incremental index updates, want 4 (publish, version 2, rollback, retire):\n%s", r.name, n, l)
			}
			for _, built := range []string{"vectors built", "building index", "lexical index built", "corpus: incremental index update failed"} {
				if strings.Contains(l, built) {
					t.Errorf("replica %s logged %q: a change rebuilt its index:\n%s", r.name, built, l)
				}
			}
		}
	})

	t.Run("SlackEventAnsweredOnce", func(t *testing.T) {
		const channel, ts = "C0REPLICA", "1764237000.000100"
		body, _ := json.Marshal(map[string]any{
			"type": "event_callback", "team_id": "T1", "event_id": "Ev0REPLICA0001", "event_time": 1764237000,
			"event": map[string]any{
				"type": "app_mention", "user": "U1", "text": "<@UBOT> 首次被认定为国家级专精特新小巨人企业，区里奖励多少？",
				"ts": ts, "channel": channel, "channel_type": "channel", "event_ts": ts,
			},
		})
		// Slack's first delivery reaches A and its retry reaches B (the
		// load balancer's choice), at the same time.
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i, r := range []*replica{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = postSlackEvent(t, r, body, i) }()
		}
		wg.Wait()
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
			t.Fatalf("POST /slack/events = %v, want 200 from both (Slack must not retry again)", codes)
		}
		// A third delivery, later, to B.
		if code := postSlackEvent(t, b, body, 2); code != http.StatusOK {
			t.Fatalf("POST /slack/events (retry 2) = %d", code)
		}
		// Whichever replica took it posts a placeholder and then the
		// answer; wait for the answer.
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(slackAPI.updates(channel), "50万元") {
			if time.Now().After(deadline) {
				t.Fatalf("no answer in Slack; calls: %v", slackAPI.calls)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Both replicas decided before they acknowledged; a second answer
		// would have posted its placeholder by now. Count after both
		// have finished their work, below, too.
		if n := slackAPI.count("chat.postMessage", channel, ts); n != 1 {
			t.Errorf("%d messages posted in the thread, want 1 (the event answered once)", n)
		}
		var rows int
		if err := db.QueryRow(`SELECT COUNT(*) FROM slack_events WHERE event_id = 'Ev0REPLICA0001'`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("slack_events rows for the event = %d, %v; want 1", rows, err)
		}
	})

	t.Run("KilledInTheMiddleOfAPublish", func(t *testing.T) {
		const killID = "wz-hq-kill-2026"
		ctx := context.Background()
		var genBefore int64
		if err := db.QueryRow(`SELECT generation FROM corpus_state`).Scan(&genBefore); err != nil {
			t.Fatal(err)
		}
		// Hold the row of version 1 of the document in an open
		// transaction: A's publish will reach its INSERT of that row (after
		// bumping the generation, in the same transaction) and wait there.
		blocker, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer blocker.Rollback()
		if _, err := blocker.Exec(`INSERT INTO corpus_versions (doc_id, version, status, markdown, created_by, created_at)
VALUES ($1, 1, 'draft', '', 'test', now())`, killID); err != nil {
			t.Fatal(err)
		}
		published := make(chan int, 1)
		go func() {
			ct, body := uploadRequest(t, "kill.md", hqMarkdown(killID, "700万元"))
			req, _ := http.NewRequest(http.MethodPost, a.base+"/admin/api/documents?publish=1", body)
			req.Header.Set("Authorization", "Bearer "+replicaAdminToken)
			req.Header.Set("Content-Type", ct)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				published <- 0 // the connection died with A: expected
				return
			}
			res.Body.Close()
			published <- res.StatusCode
		}()
		// Wait until A's transaction is stuck on the held row, in the
		// middle of its commit.
		deadline := time.Now().Add(time.Minute)
		for {
			var waiting int
			if err := db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO corpus_versions%'`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting == 1 {
				break
			}
			select {
			case code := <-published:
				t.Fatalf("the publish on A finished (%d) while the row was held", code)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("A's publish never reached the held row\nstderr:\n%s", a.stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		a.kill()
		if code := <-published; code != 0 {
			t.Errorf("the publish on the killed replica answered %d", code)
		}
		if err := blocker.Rollback(); err != nil {
			t.Fatal(err)
		}
		// PostgreSQL notices the dead client once its backend runs again,
		// and rolls its transaction back.
		deadline = time.Now().Add(time.Minute)
		for {
			var open int
			if err := db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`).Scan(&open); err != nil {
				t.Fatal(err)
			}
			if open == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the killed replica's transaction is still open")
			}
			time.Sleep(10 * time.Millisecond)
		}

		// No trace in the database …
		var gen int64
		var versions, audit int
		if err := db.QueryRow(`SELECT (SELECT generation FROM corpus_state),
(SELECT COUNT(*) FROM corpus_versions WHERE doc_id = $1), (SELECT COUNT(*) FROM corpus_audit WHERE doc_id = $1)`, killID).Scan(&gen, &versions, &audit); err != nil {
			t.Fatal(err)
		}
		if gen != genBefore || versions != 0 || audit != 0 {
			t.Errorf("after the kill: generation %d (was %d), %d versions and %d audit entries of %s; want no change", gen, genBefore, versions, audit, killID)
		}
		// … nor on the surviving replica …
		if code, data := b.adminDo(t, http.MethodGet, "/admin/api/documents/"+killID, "", nil); code != http.StatusNotFound {
			t.Errorf("B: GET /admin/api/documents/%s = %d %s, want 404", killID, code, data)
		}
		if c := b.ask(t, hqQuestion); cites(c, killID, "700万元") {
			t.Errorf("B answers from the half-published document: %+v", c)
		}
		// … nor on A started again, on its data directory (where the index
		// it built for the publish, before committing, may be saved).
		a2 := startReplica(t, "A2", a.dir, env)
		if code, data := a2.adminDo(t, http.MethodGet, "/admin/api/documents/"+killID, "", nil); code != http.StatusNotFound {
			t.Errorf("A2: GET /admin/api/documents/%s = %d %s, want 404", killID, code, data)
		}
		if c := a2.ask(t, hqQuestion); cites(c, killID, "700万元") {
			t.Errorf("A2 answers from the half-published document: %+v", c)
		}
		// Nothing was left locked: the same publish goes through now and
		// reaches B.
		a2.publish(t, "kill.md", hqMarkdown(killID, "700万元"))
		published2 := time.Now()
		await(t, b, published2, "answering from the document published on A2", func() bool { return cites(b.ask(t, hqQuestion), killID, "700万元") })
		a2.stop(t)
	})

	// Both replicas finish their work on a graceful stop: a second Slack
	// answer in flight would have been posted by now.
	b.stop(t)
	if n := slackAPI.count("chat.postMessage", "C0REPLICA", "1764237000.000100"); n != 1 {
		t.Errorf("after the replicas stopped, %d messages posted in the Slack thread, want 1", n)
	}
}

var propagationChunks = flag.String("propagation-chunks", "", "comma-separated corpus sizes in chunks for TestReplicaPropagationScale, e.g. 1000,2000,5000 (skipped when empty)")

// TestReplicaPropagationScale measures how long a publish on A takes to
// answer on A and on B as the corpus grows (docs/DEPLOY.md): each replica
// updates its index in place. It seeds two replicas with a synthetic corpus
// of documents of 100 articles, publishes one more document on A and polls
// both; then restarts B on its data directory. A measurement, not a check:
// run it with
//
//	go test ./cmd/policybot -run TestReplicaPropagationScale -v -timeout 60m -args -propagation-chunks 10000,100000
func TestReplicaPropagationScale(t *testing.T) {
	if *propagationChunks == "" {
		t.Skip("measurement: pass -propagation-chunks 1000,2000,…")
	}
	for _, f := range strings.Split(*propagationChunks, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 100 {
			t.Fatalf("-propagation-chunks %q: want chunk counts of at least 100", f)
		}
		t.Run(fmt.Sprintf("chunks=%d", n), func(t *testing.T) { measurePropagation(t, n) })
	}
}

func measurePropagation(t *testing.T, chunks int) {
	corpusDir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(chunks), 8))
	chars := []rune("制造业高质量发展企业研发投入奖励补贴技术改造设备投资人才引进专精特新小巨人首台套数字化转型智能工厂绿色低碳外贸跨境电商展会信用保险文化旅游体育赛事消费促进服务业标准品牌知识产权融资担保贷款贴息上市挂牌")
	text := func(n int) string {
		r := make([]rune, n)
		for i := range r {
			r[i] = chars[rng.IntN(len(chars))]
		}
		return string(r)
	}
	for d := range chunks / 100 {
		var b strings.Builder
		fmt.Fprintf(&b, "---\nid: synth-%04d\ntitle: 关于%s的若干措施（测试文本）\ncategory: manufacturing\nissuer: 苏州市吴中区人民政府\n"+
			"effective_from: 2025-01-01\neffective_to: 2099-12-31\nlead_department: 区工信局\nsample: true\n---\n\n# 关于%[2]s的若干措施（测试文本）\n\n", d, text(8))
		for a := 1; a <= 100; a++ {
			fmt.Fprintf(&b, "第%d条 %s，给予奖励%d万元。\n\n", a, text(140), 1+rng.IntN(500))
		}
		if err := os.WriteFile(filepath.Join(corpusDir, fmt.Sprintf("synth-%04d.md", d)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		"DATABASE_URL":          pgtest.URL(t),
		"POLICYBOT_CORPUS_DIR":  corpusDir,
		"POLICYBOT_ADMIN_TOKEN": replicaAdminToken,
		"POLICYBOT_RATE_LIMIT":  "0",
	}
	startDeadline = 30 * time.Minute
	started := time.Now()
	a := startReplica(t, "A", "", env)
	seeded := time.Since(started)
	b := startReplica(t, "B", "", env)
	t.Logf("A seeded and built %d chunks in %v; B built its index in %v", chunks, seeded.Round(time.Millisecond), (time.Since(started) - seeded).Round(time.Millisecond))
	start := time.Now()
	a.publish(t, "hq.md", hqMarkdown(hqDocID, hqAnswer))
	published := time.Now()
	onA := -time.Duration(1)
	if cites(a.ask(t, hqQuestion), hqDocID, hqAnswer) {
		onA = time.Since(start)
	}
	for !cites(b.ask(t, hqQuestion), hqDocID, hqAnswer) {
		if time.Since(published) > 5*time.Minute {
			t.Fatal("B never answered from the new document")
		}
		time.Sleep(20 * time.Millisecond)
	}
	onB := time.Since(published)
	b.stop(t)
	restart := time.Now()
	b = startReplica(t, "B2", b.dir, env)
	t.Logf("| chunks | publish request on A | answered on A (from the request) | answered on B (after the response) | B restarted, ready |")
	t.Logf("| %d | %v | %v | %v | %v |", chunks, published.Sub(start).Round(time.Millisecond), onA.Round(time.Millisecond),
		onB.Round(time.Millisecond), time.Since(restart).Round(time.Millisecond))
}

// TestServeReadyzDatabaseDown: PostgreSQL stops under a running server;
// /readyz turns 503 "degraded" with the reason, while /healthz stays up and
// questions are still answered.
func TestServeReadyzDatabaseDown(t *testing.T) {
	cluster, err := pgtest.Start()
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cluster.Stop()
		}
	})
	url, _, err := cluster.CreateDB(context.Background(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, map[string]string{"DATABASE_URL": url})
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	code, body := getBody(t, base+"/readyz")
	var r struct{ Status, Reason string }
	if err := json.Unmarshal([]byte(body), &r); err != nil || code != http.StatusServiceUnavailable || r.Status != "degraded" || !strings.Contains(r.Reason, "database") {
		t.Errorf("readyz with PostgreSQL down = %d %s, want 503 degraded with the reason", code, body)
	}
	if code, _ := getBody(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz with PostgreSQL down = %d, want 200", code)
	}
	if res, body := postJSON(t, base+"/api/chat", map[string]string{"message": llmQuestion}); res.StatusCode != http.StatusOK || !strings.Contains(string(body), "50万元") {
		t.Errorf("a question with PostgreSQL down = %d %s, want it answered", res.StatusCode, body)
	}
}
