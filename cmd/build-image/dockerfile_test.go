package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDockerfileBuildsTheSameImage keeps the Dockerfile, for people who
// build with Docker, in step with this tool: the same base (none), user,
// working directory, environment, port, entrypoint, and the same files
// with the same owners.
func TestDockerfileBuildsTheSameImage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// The final stage: from its FROM line on, one instruction per line.
	var final []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "FROM ") {
			final = nil
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			final = append(final, line)
		}
	}
	has := func(instruction string) bool { return slices.Contains(final, instruction) }
	for _, want := range []string{"FROM scratch", "USER " + runtimeUser, "WORKDIR " + homeDir,
		`ENTRYPOINT ["` + entrypoint + `"]`, "EXPOSE " + exposedPort} {
		if !has(want) {
			t.Errorf("the Dockerfile's final stage lacks %q", want)
		}
	}
	for _, env := range runtimeEnv {
		if !has("ENV " + env) {
			t.Errorf("the Dockerfile's final stage lacks ENV %s", env)
		}
	}
	// Each file, and each directory unlike its parent (another mode or
	// owner), is copied to its place by a COPY line ending with it; plain
	// parent directories come with them.
	for _, f := range layerFiles([]byte("binary"), []byte("certificates")) {
		if f.contents == nil && f.mode == 0o755 && f.owner == 0 {
			continue
		}
		target := "/" + strings.TrimSuffix(f.name, "/")
		chown := fmt.Sprintf("--chown=%d:%d", f.owner, f.owner)
		if !slices.ContainsFunc(final, func(line string) bool {
			return strings.HasPrefix(line, "COPY ") && strings.HasSuffix(line, " "+target) &&
				strings.Contains(line, chown) == (f.owner != 0)
		}) {
			t.Errorf("the Dockerfile's final stage does not copy %s (owner %d)", target, f.owner)
		}
	}
	for _, line := range final {
		if strings.HasPrefix(line, "RUN ") {
			t.Errorf("the final stage runs %q; an empty base has no shell", line)
		}
	}
}
