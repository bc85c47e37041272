package landscapes

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/saddle-viz/saddle/landscapes/nets"
)

// testUpload reads n points of two classes, shifted by shift so that each
// call can make other data.
func testUpload(t *testing.T, n int, shift float64) *nets.UserData {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%g,%d,%d\n", shift+float64(i), i%3, i%2)
	}
	u, err := nets.ReadCSV("t.csv", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fakeClock replaces the uploads' clock for the test, which starts with
// none kept.
func fakeClock(t *testing.T) *time.Time {
	now := time.Now()
	uploads.Lock()
	uploads.sets = map[string]*upload{}
	uploads.now = func() time.Time { return now }
	uploads.Unlock()
	t.Cleanup(func() {
		uploads.Lock()
		uploads.now = time.Now
		uploads.Unlock()
	})
	return &now
}

// An upload trains an MLP while a race holds it; unheld, it is forgotten
// after UploadTTL, and a spec that names it then says to upload it again.
func TestUploadLifetime(t *testing.T) {
	now := fakeClock(t)
	u, err := Upload(testUpload(t, 30, 0.5))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := OnUpload("mlp:h1=3,h2=0", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec != "mlp:data=csv,h1=3,h2=0,csv="+u.ID || l.Network().Model.(*nets.MLP).Data != u.Data || l.Upload() != u {
		t.Fatalf("%s built %s on other data", spec, l.Spec)
	}
	release := l.Hold()
	*now = now.Add(2 * UploadTTL)
	if _, err := Build(spec); err != nil {
		t.Errorf("held data was forgotten: %v", err)
	}
	release()
	release() // twice is once
	*now = now.Add(UploadTTL - time.Second)
	if _, ok := Uploaded(u.ID); !ok {
		t.Error("data was forgotten before its time")
	}
	*now = now.Add(2 * time.Second)
	_, err = Build(spec)
	if err == nil || !strings.Contains(err.Error(), "is not on this server: uploaded data lives only as long as the session that uploaded it") {
		t.Errorf("a forgotten upload: %v", err)
	}
	// The same points again are the same data, and the spec works again.
	if v, _ := Upload(testUpload(t, 30, 0.5)); v.ID != u.ID {
		t.Errorf("the same points had id %s, then %s", u.ID, v.ID)
	}
	if _, err := Build(spec); err != nil {
		t.Error(err)
	}
}

// The server keeps at most MaxUploads, and makes room from the expired.
func TestUploadsAreBounded(t *testing.T) {
	now := fakeClock(t)
	var held []func()
	for i := 0; ; i++ {
		u, err := Upload(testUpload(t, 12, float64(1000+i)))
		if err == ErrUploadsFull {
			break
		}
		if err != nil || i > MaxUploads {
			t.Fatalf("upload %d: %v", i, err)
		}
		l, _ := Build("mlp:data=csv,csv=" + u.ID)
		held = append(held, l.Hold())
	}
	*now = now.Add(2 * UploadTTL)
	if _, err := Upload(testUpload(t, 12, -1)); err != ErrUploadsFull {
		t.Errorf("held uploads were dropped for a new one: %v", err)
	}
	for _, r := range held {
		r()
	}
	*now = now.Add(2 * UploadTTL)
	if _, err := Upload(testUpload(t, 12, -1)); err != nil {
		t.Errorf("expired uploads kept a new one out: %v", err)
	}
}

func TestOnUpload(t *testing.T) {
	id := "0123456789abcdef"
	for _, tt := range []struct{ in, want string }{
		{"", "mlp:data=csv,csv=" + id},
		{"mlp:h1=3,csv=" + id, "mlp:h1=3,data=csv,csv=" + id},
		{"mlp:data=csv,act=relu", "mlp:data=csv,act=relu,csv=" + id},
	} {
		if got, err := OnUpload(tt.in, id); got != tt.want || err != nil {
			t.Errorf("OnUpload(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for in, want := range map[string]string{
		"rosenbrock":                    "the surface is mlp (with any of its settings), not rosenbrock",
		"mlp:data=moons":                "the surface names data=moons and uploaded data too",
		"mlp:csv=fedcba9876543210,h1=2": "the surface names csv=fedcba9876543210,h1=2 and the file is csv=" + id,
		"mlp:h1=2,csv=fedcba9876543210": "the surface names csv=fedcba9876543210 and the file is csv=" + id,
	} {
		if _, err := OnUpload(in, id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OnUpload(%q): %v; want %q", in, err, want)
		}
	}
}
