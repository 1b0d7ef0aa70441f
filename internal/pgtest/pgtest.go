// Package pgtest runs the tests that need PostgreSQL against a throwaway
// cluster: Debian's postgresql package, initdb in a temporary directory, a
// server on a random loopback port, one fresh database per test, and all
// of it removed when the tests end.
//
// A package that uses it calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and each test asks URL for a database. Without PostgreSQL installed the
// tests are skipped, saying so; with CI=true they fail instead.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled is why tests are skipped on a machine without
// PostgreSQL.
var ErrNotInstalled = errors.New("PostgreSQL is not installed (apt-get install postgresql, or run make deps)")

var (
	mainCalled atomic.Bool
	startOnce  sync.Once
	shared     *Cluster
	startErr   error
	dbSeq      atomic.Int64
)

// Main runs the package's tests and then stops the cluster, if a test
// started one. Call it from TestMain.
func Main(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// URL returns the URL of a new, empty database on the package's cluster,
// starting the cluster at the first call. The database is dropped when tb
// ends. Without PostgreSQL, URL skips tb, or fails it when CI=true.
func URL(tb testing.TB) string {
	tb.Helper()
	if !mainCalled.Load() {
		tb.Fatal("pgtest: call pgtest.Main from the package's TestMain, so that the cluster is stopped after the tests")
	}
	startOnce.Do(func() { shared, startErr = Start() })
	if startErr != nil {
		Unavailable(tb, startErr)
	}
	url, drop, err := shared.CreateDB(context.Background(), tb.Name())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(drop)
	return url
}

// Unavailable skips tb because PostgreSQL cannot run here (err says why),
// or fails it when the environment has CI=true: there the PostgreSQL tests
// are required.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("pgtest: %v; the PostgreSQL tests are required when CI=true", err)
	}
	tb.Skipf("pgtest: skipping the PostgreSQL test: %v (with CI=true this fails)", err)
}

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	dir  string // removed by Stop
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the server has exited
	log  string

	mu    sync.Mutex
	admin *pgx.Conn
}

// Binaries returns the directory of Debian's PostgreSQL programs (the
// newest of /usr/lib/postgresql/*/bin), or the one of initdb on PATH.
func Binaries() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	for _, m := range matches {
		if dir := filepath.Dir(m); executable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(p); executable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", ErrNotInstalled
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Start creates a cluster in a new temporary directory and starts it on
// a free loopback port, with durability off (fsync, synchronous commit):
// the data is thrown away anyway. initdb refuses to run as root, so as
// root the cluster belongs to the postgres user the Debian package
// creates.
func Start() (*Cluster, error) {
	bin, err := Binaries()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and there is no postgres user to own the cluster (initdb refuses root): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	parent := os.TempDir()
	if fi, err := os.Stat(parent); cred != nil && (err != nil || fi.Mode().Perm()&0o001 == 0) {
		// The postgres user must be able to reach the cluster directory.
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "pgtest-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Cluster, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	for attempt := 0; ; attempt++ {
		c, err := startServer(bin, dir, data, cred)
		if err == nil {
			return c, nil
		}
		// Another process may have taken the free port meanwhile.
		if attempt == 2 {
			return fail(err)
		}
	}
}

func startServer(bin, dir, data string, cred *syscall.Credential) (*Cluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("postgres-%d.log", port))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGQUIT (immediate shutdown) if the test binary dies without Stop,
	// for example at a test timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c := &Cluster{dir: dir, port: port, cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() { cmd.Wait(); close(c.done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		if err == nil {
			c.admin = conn
			return c, nil
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("postgres exited at start:\n%s", c.tail())
		case <-ctx.Done():
			c.kill()
			return nil, fmt.Errorf("postgres did not accept connections within a minute: %v\n%s", err, c.tail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// url is the URL of database db, as the superuser (trust authentication).
func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Port is the server's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateDB creates an empty database named after the test and returns its
// URL and a function that drops it (closing the connections still open).
func (c *Cluster) CreateDB(ctx context.Context, testName string) (url string, drop func(), err error) {
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	name = fmt.Sprintf("t%d_%s", dbSeq.Add(1), name)
	if len(name) > 63 {
		name = name[:63]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if major, _ := strconv.Atoi(strings.Split(c.admin.PgConn().ParameterStatus("server_version"), ".")[0]); major >= 15 {
		// Copying the files of the tiny template is quicker than
		// logging its every block (the default since 15).
		create += " STRATEGY FILE_COPY"
	}
	if _, err := c.admin.Exec(ctx, create); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop = func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		// The data is thrown away with the cluster anyway: this only
		// keeps a long run's disk use down, so a failure is ignored.
		_, _ = c.admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return c.url(name), drop, nil
}

// Stop shuts the server down (fast shutdown: connections are closed) and
// removes its directory.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	if c.admin != nil {
		c.admin.Close(context.Background())
		c.admin = nil
	}
	c.mu.Unlock()
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	var err error
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.kill()
		err = errors.New("postgres did not stop within 30 s; killed")
	}
	if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func (c *Cluster) kill() {
	// The server and its backends are one process group.
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// tail is the end of the server's log, for error messages.
func (c *Cluster) tail() string {
	data, _ := os.ReadFile(c.log)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
