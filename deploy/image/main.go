// Command image builds saddle's container image without a Docker daemon
// (and without pulling a base image): the server as one static binary
// (CGO off, so it needs no C library) alone on an empty base, run as the
// unprivileged user 65532, serving on :8080. It writes a tarball that
// `docker load`, `podman load` and `crane push` read:
//
//	go run ./deploy/image -o saddle-image.tar -tag registry.example.org/saddle:latest
//
// (`make image`). The Kubernetes manifests in deploy/k8s run it.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	out := flag.String("o", "saddle-image.tar", "the image tarball to write")
	tag := flag.String("tag", "saddle:latest", "the image's name and tag")
	arch := flag.String("arch", runtime.GOARCH, "the processor the binary is for (amd64, arm64)")
	flag.Parse()
	if err := build(*out, *tag, *arch); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

// User is the image's unprivileged user and group.
const User = "65532:65532"

func build(out, tag, arch string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("-tag %q: %v", tag, err)
	}
	dir, err := os.MkdirTemp("", "saddle-image")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "saddle")
	// The server, by its import path: the build is the same from any
	// directory of the module.
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/saddle-viz/saddle")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, b)
	}
	layer, err := binaryLayer(bin)
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()} // reproducible: the same source, the same image
	cf.Config.Entrypoint = []string{"/saddle"}
	cf.Config.Cmd = []string{"serve", "--addr=:8080"}
	cf.Config.User = User
	cf.Config.WorkingDir = "/"
	cf.Config.ExposedPorts = map[string]struct{}{"8080/tcp": {}}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "saddle",
		"org.opencontainers.image.description": "Watch optimizers for deep learning at work",
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	return tarball.WriteToFile(out, ref, img)
}

// binaryLayer is a layer holding the binary at /saddle and an empty /tmp.
func binaryLayer(bin string) (v1.Layer, error) {
	b, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	if err := tw.WriteHeader(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 01777, ModTime: epoch}); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: "saddle", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(b)), ModTime: epoch}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(b); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}
