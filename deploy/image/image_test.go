package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The image holds the server as a static executable at /saddle, run as the
// unprivileged user on :8080, and nothing that needs a base image.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server")
	}
	out := filepath.Join(t.TempDir(), "saddle.tar")
	cmd := exec.Command("go", "run", ".", "-o", out, "-tag", "saddle:test")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./deploy/image: %v\n%s", err, b)
	}
	img, err := tarball.ImageFromPath(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != User || !slices.Equal(c.Entrypoint, []string{"/saddle"}) || !slices.Equal(c.Cmd, []string{"serve", "--addr=:8080"}) || cf.OS != "linux" {
		t.Errorf("config: user %q, entrypoint %q, cmd %q, os %q", c.User, c.Entrypoint, c.Cmd, cf.OS)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v", c.ExposedPorts)
	}
	layers, _ := img.Layers()
	if len(layers) != 1 {
		t.Fatalf("%d layers", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "saddle" {
			continue
		}
		found = true
		b, _ := io.ReadAll(tr)
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("/saddle is not an ELF executable: %v", err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("/saddle asks for a dynamic loader: it would need a base image")
			}
		}
		if h.Mode&0o111 == 0 {
			t.Errorf("/saddle has mode %o", h.Mode)
		}
		// It is the server (here, where the machine can run it).
		if runtime.GOOS == "linux" && runtime.GOARCH == cf.Architecture {
			path := filepath.Join(t.TempDir(), "saddle")
			os.WriteFile(path, b, 0o755)
			help, _ := exec.Command(path, "help").CombinedOutput()
			if !strings.Contains(string(help), "saddle: watch optimizers for deep learning at work") {
				t.Errorf("/saddle help says %.200q", help)
			}
		}
	}
	if !found {
		t.Error("the image has no /saddle")
	}
}
