package landscapes

import (
	"fmt"
	"sync"
	"time"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/spec"
)

// Uploaded data: a student's CSV of points lives in this process's memory
// only, never on disk, named by the hash of its canonical form
// (mlp:data=csv,csv=ID). A race built on it holds it (Landscape.Hold) for
// as long as its session lasts; unheld, it is forgotten UploadTTL after its
// upload or its last release, so that a link to it outlives neither the
// session nor the server, and says so (the file must be uploaded again:
// the same points give the same ID, and the link works again).

// UploadTTL is how long an upload that no race holds is kept: long enough
// to configure a race on it or to export one after its session ends.
const UploadTTL = 10 * time.Minute

// MaxUploads bounds the uploads held at once (each at most
// nets.MaxCSVBytes of text and 5,000 points).
const MaxUploads = 64

type upload struct {
	data  *nets.UserData
	holds int
	since time.Time // when it was uploaded or last released
}

var uploads = struct {
	sync.Mutex
	sets map[string]*upload
	now  func() time.Time // a test's clock
}{sets: map[string]*upload{}, now: time.Now}

// ErrUploadsFull is the refusal of an upload when the server holds
// MaxUploads of them.
var ErrUploadsFull = fmt.Errorf("the server holds %d uploaded data sets, the most it keeps; try again in a few minutes", MaxUploads)

// Upload keeps a data set (the one already kept if the same points were
// uploaded before) and returns it.
func Upload(u *nets.UserData) (*nets.UserData, error) {
	uploads.Lock()
	defer uploads.Unlock()
	now := uploads.now()
	for id, up := range uploads.sets {
		if up.holds == 0 && now.Sub(up.since) > UploadTTL {
			delete(uploads.sets, id)
		}
	}
	if up, ok := uploads.sets[u.ID]; ok {
		up.since = now
		return up.data, nil
	}
	if len(uploads.sets) >= MaxUploads {
		return nil, ErrUploadsFull
	}
	uploads.sets[u.ID] = &upload{data: u, since: now}
	return u, nil
}

// Uploaded returns the kept data set of an ID.
func Uploaded(id string) (*nets.UserData, bool) {
	uploads.Lock()
	defer uploads.Unlock()
	up, ok := uploads.sets[id]
	if !ok || up.holds == 0 && uploads.now().Sub(up.since) > UploadTTL {
		return nil, false
	}
	return up.data, true
}

// Hold keeps the uploaded data the landscape trains on until release is
// called; for any other landscape it does nothing.
func (l *Landscape) Hold() (release func()) {
	id := uploadID(l.Info, l.Values)
	if id == "" {
		return func() {}
	}
	uploads.Lock()
	defer uploads.Unlock()
	up, ok := uploads.sets[id]
	if !ok {
		return func() {}
	}
	up.holds++
	var once sync.Once
	return func() {
		once.Do(func() {
			uploads.Lock()
			defer uploads.Unlock()
			up.holds--
			up.since = uploads.now()
		})
	}
}

// Upload is the uploaded data the landscape trains on, or nil.
func (l *Landscape) Upload() *nets.UserData {
	u, _ := Uploaded(uploadID(l.Info, l.Values))
	return u
}

func uploadID(in *Info, v spec.Values) string {
	if in.Name != "mlp" || v.String("data") != "csv" {
		return ""
	}
	return v.Text("csv")
}

// csvParam names the uploaded data of data=csv.
var csvParam = spec.Param{Name: "csv", Label: "uploaded data", Kind: spec.Text, Accept: "the 16 hex digits that name an uploaded data file",
	Doc:   "data=csv: the uploaded file's name on this server (16 hex digits of its points' SHA-256; the page and the command line's --data FILE set it)",
	Check: checkUploadID}

func checkUploadID(id string) error {
	if len(id) != 16 {
		return fmt.Errorf("%q is not 16 hex digits (the page and --data FILE set it)", id)
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%q is not 16 hex digits (the page and --data FILE set it)", id)
		}
	}
	return nil
}

// checkUpload refuses data=csv without data this server holds.
func checkUpload(v spec.Values) *spec.Problem {
	if v.String("data") != "csv" {
		return nil
	}
	id := v.Text("csv")
	if id == "" {
		return &spec.Problem{Field: "csv", Message: "data=csv trains on an uploaded file: upload one from the page (Your data…), or give --data FILE to the command line"}
	}
	if _, ok := Uploaded(id); !ok {
		return &spec.Problem{Field: "csv", Message: fmt.Sprintf("the uploaded data csv=%s is not on this server: uploaded data lives only as long as the session that uploaded it (it is never written to disk), so a link to it needs the file again; upload it again (the same points give the same csv=%s)", id, id)}
	}
	return nil
}

// OnUpload is the surface spec that trains on the uploaded data id: an MLP
// (the surface's own settings kept) with data=csv,csv=id. Surface may be
// empty (the default MLP); it must be an MLP, and may not name other data.
func OnUpload(surface, id string) (string, error) {
	if surface == "" {
		surface = "mlp"
	}
	s, err := spec.Parse(surface, spec.TextParams(mlpParams)...)
	if err != nil {
		return "", err
	}
	if s.Name != "mlp" {
		return "", fmt.Errorf("uploaded data trains a network: the surface is mlp (with any of its settings), not %s", s.Name)
	}
	if d, ok := s.Get("data"); ok && d != "csv" {
		return "", fmt.Errorf("the surface names data=%s and uploaded data too: leave out data=, or leave out the file", d)
	}
	if c, ok := s.Get("csv"); ok && c != id {
		return "", fmt.Errorf("the surface names csv=%s and the file is csv=%s: leave out csv=", c, id)
	}
	return s.Del("csv").Set("data", "csv").Set("csv", id).String(), nil
}

// Holds is how many races hold the uploaded data id.
func Holds(id string) int {
	uploads.Lock()
	defer uploads.Unlock()
	if up, ok := uploads.sets[id]; ok {
		return up.holds
	}
	return 0
}
