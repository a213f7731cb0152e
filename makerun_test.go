package storefront_test

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRunStopsGracefullyOnSIGTERM: `make run` serves the shop until a
// SIGTERM (or SIGINT) to make, which reaches the server: it shuts down
// gracefully ("stopped") and nothing keeps serving after make exits. (Run
// through `go run`, the server outlived make, serving on.)
func TestMakeRunStopsGracefullyOnSIGTERM(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed: %v", err) // make test runs this: make is there
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	var out bytes.Buffer
	cmd := exec.Command("make", "--no-print-directory", "run")
	cmd.Env = append(os.Environ(), "PORT="+port, "STOREFRONT_METRICS_ADDR=", "STOREFRONT_DEMO=false",
		"STOREFRONT_DB="+filepath.Join(t.TempDir(), "shop.db"))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the signal goes to make alone
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
	base := "http://127.0.0.1:" + port
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if res, err := client.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("make run did not serve within 2 minutes:\n%s", out.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("make run still running 30 s after SIGTERM:\n%s", out.String())
	}
	if res, err := client.Get(base + "/healthz"); err == nil {
		res.Body.Close()
		t.Errorf("the shop still serves after make exited; want it stopped with make")
	}
	if !strings.Contains(out.String(), `"msg":"stopped"`) {
		t.Errorf("the server did not shut down gracefully (no \"stopped\" in its log):\n%s", out.String())
	}
}
