package web

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/spec"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Trajectory is one optimizer's path, as recorded for a figure or an export.
type Trajectory struct {
	Spec  string      `json:"opt"`
	X     [][]float64 `json:"x"`
	F     []float64   `json:"f"`
	Evals []int       `json:"evals"`
	// An averaging racer's averaged iterates and their values.
	AvgX   [][]float64 `json:"avg_x,omitempty"`
	AvgF   []float64   `json:"avg_f,omitempty"`
	Status string      `json:"status"`
	Reason string      `json:"reason,omitempty"`
}

// Record appends an iterate of the racer with this spec: the coordinates a
// figure draws (the first two) and its loss.
func (t *Trajectory) Record(spec string, r Row) {
	t.Spec = spec
	t.X = append(t.X, append([]float64(nil), r.X[:min(2, len(r.X))]...))
	t.F = append(t.F, r.F)
	t.Evals = append(t.Evals, r.Evals)
	if r.AvgX != nil {
		t.AvgX = append(t.AvgX, append([]float64(nil), r.AvgX[:min(2, len(r.AvgX))]...))
		t.AvgF = append(t.AvgF, r.AvgF)
	}
}

// Figure is a race drawn for a slide or a paper: the landscape as a heat map
// with contours, every trajectory with its start and end, the known
// stationary points, and beside it the loss against iteration on a log axis.
type Figure struct {
	Land          *landscapes.Landscape
	Runs          []Trajectory
	Width, Height int // pixels; SVG and PDF use the same layout at 144 per inch
}

// maxMapDim is the largest dimension whose landscape is drawn as a map (a
// slice through the start); a network's loss gets the page to itself.
const maxMapDim = 128

// DPI is the resolution at which a Figure's pixel size is laid out.
const DPI = 144

// PlotFormat tells the format of a file name by its extension.
func PlotFormat(name string) (string, bool) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".png", ".svg", ".pdf":
		return ext[1:], true
	}
	return "", false
}

// ParseSize reads "WxH" in pixels.
func ParseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w < 320 || h < 200 || w > 8000 || h > 8000 {
		return 0, 0, fmt.Errorf("--size %q is not accepted; give WxH in pixels, each from 320x200 to 8000x8000, e.g. 1600x800", s)
	}
	return w, h, nil
}

// Palettes that colour-blind readers can tell apart. Trajectories use the
// Okabe–Ito palette (Okabe & Ito 2008), drawn with a white halo so that they
// stand out on every colour of the heat map; beyond eight racers the colours
// repeat dashed.
// The order puts the most different colours first.
var trajectoryColors = []color.RGBA{
	{0xD5, 0x5E, 0x00, 255}, // vermillion
	{0x56, 0xB4, 0xE9, 255}, // sky blue
	{0x00, 0x00, 0x00, 255}, // black
	{0xE6, 0x9F, 0x00, 255}, // orange
	{0xCC, 0x79, 0xA7, 255}, // reddish purple
	{0x00, 0x9E, 0x73, 255}, // bluish green
	{0x00, 0x72, 0xB2, 255}, // blue
	{0xF0, 0xE4, 0x42, 255}, // yellow
}

// TrajectoryColor is the colour of the i-th racer, as "#rrggbb".
func TrajectoryColor(i int) string {
	c := trajectoryColors[i%len(trajectoryColors)]
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// viridis is the perceptually uniform, colour-blind-safe map of matplotlib
// (van der Walt & Smith 2015), as 11 stops interpolated linearly. gonum/plot
// ships Moreland's maps but not viridis, hence this table.
var viridisStops = [...]color.RGBA{
	{0x44, 0x01, 0x54, 255}, {0x48, 0x24, 0x75, 255}, {0x41, 0x44, 0x87, 255}, {0x35, 0x5f, 0x8d, 255},
	{0x2a, 0x78, 0x8e, 255}, {0x21, 0x91, 0x8c, 255}, {0x22, 0xa8, 0x84, 255}, {0x44, 0xbf, 0x70, 255},
	{0x7a, 0xd1, 0x51, 255}, {0xbd, 0xdf, 0x26, 255}, {0xfd, 0xe7, 0x25, 255},
}

// Viridis returns the colour at t ∈ [0, 1].
func Viridis(t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t)) * float64(len(viridisStops)-1)
	i := min(int(t), len(viridisStops)-2)
	u := t - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-u) + float64(y)*u)) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

type viridisPalette int

func (n viridisPalette) Colors() []color.Color {
	cs := make([]color.Color, n)
	for i := range cs {
		cs[i] = Viridis(float64(i) / float64(n-1))
	}
	return cs
}

// gridXYZ adapts a Grid to gonum/plot.
type gridXYZ struct{ *landscapes.Grid }

func (g gridXYZ) Dims() (c, r int) { return g.N, g.N }
func (g gridXYZ) Z(c, r int) float64 {
	return g.Grid.Z(g.F[r*g.N+c])
}
func (g gridXYZ) X(c int) float64 { return g.XMin + (g.XMax-g.XMin)*float64(c)/float64(g.N-1) }
func (g gridXYZ) Y(r int) float64 { return g.YMin + (g.YMax-g.YMin)*float64(r)/float64(g.N-1) }

// Render draws the figure in the format ("png", "svg" or "pdf").
func (fig *Figure) Render(w io.Writer, format string) error {
	width, height := vg.Length(fig.Width)*vg.Inch/DPI, vg.Length(fig.Height)*vg.Inch/DPI
	var canvas vg.CanvasWriterTo
	switch format {
	case "png":
		canvas = pngCanvas{vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))}
	case "svg":
		canvas = svgCanvas{vgsvg.New(width, height)}
	case "pdf":
		canvas = newPDFCanvas(width, height)
	default:
		return fmt.Errorf("format %q is not accepted; accepted: png, svg, pdf", format)
	}
	dc := draw.New(canvas)
	// A white page, then the landscape on the left (a square as large as the
	// height allows) and the loss on the right.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	split := dc.Min.X + vg.Length(math.Min(0.56, float64(height/width)*1.08))*(dc.Max.X-dc.Min.X)
	left := draw.Crop(dc, 0, split-dc.Max.X, 0, 0)
	right := draw.Crop(dc, split-dc.Min.X, 0, 0, 0)

	if fig.Land.Network() != nil || fig.Land.Dim() > maxMapDim {
		// A network: its loss against iteration fills the page.
		fig.lossPlot().Draw(draw.Crop(dc, 0.15*vg.Inch, -0.25*vg.Inch, 0.1*vg.Inch, -0.1*vg.Inch))
		_, err := canvas.WriteTo(w)
		return err
	}
	land, err := fig.landscapePlot()
	if err != nil {
		return err
	}
	land.Draw(draw.Crop(left, 0.15*vg.Inch, -0.1*vg.Inch, 0.1*vg.Inch, -0.1*vg.Inch))
	fig.lossPlot().Draw(draw.Crop(right, 0.15*vg.Inch, -0.25*vg.Inch, 0.1*vg.Inch, -0.1*vg.Inch))
	_, err = canvas.WriteTo(w)
	return err
}

func (fig *Figure) start() []float64 {
	for _, r := range fig.Runs {
		if len(r.X) > 0 {
			return r.X[0]
		}
	}
	return fig.Land.Start()
}

func (fig *Figure) landscapePlot() (*plot.Plot, error) {
	l := fig.Land
	g := landscapes.Sample(l, fig.start(), l.View(), 240)
	p := plot.New()
	title := l.Info.Title + "  (" + l.Spec + ")"
	if l.Blur > 0 {
		title += "\nblur " + spec.Format(l.Blur) + ": " + l.BlurKind()
	}
	if l.Dim() > 2 {
		title += fmt.Sprintf("\nslice through the start in (x0, x1) of %d dimensions", l.Dim())
	}
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "x0", "x1"
	if g.Log {
		p.X.Label.Text += "    (colour and contours: log10 of f above its minimum)"
	}

	heat := plotter.NewHeatMap(gridXYZ{g}, viridisPalette(256))
	heat.Rasterized = true
	heat.NaN = color.RGBA{0xcc, 0xcc, 0xcc, 255}
	heat.Min, heat.Max = g.Z(g.Floor), math.Inf(-1)
	for _, f := range g.F {
		if z := g.Z(f); !math.IsNaN(z) && !math.IsInf(z, 0) {
			heat.Max = math.Max(heat.Max, z)
		}
	}
	if !(heat.Max > heat.Min) {
		heat.Max = heat.Min + 1
	}
	heat.Underflow, heat.Overflow = Viridis(0), Viridis(1)
	p.Add(noGlyphs{heat})

	const nLevels = 14
	levels := make([]float64, nLevels)
	for i := range levels {
		levels[i] = heat.Min + (heat.Max-heat.Min)*float64(i+1)/(nLevels+1)
	}
	contour := plotter.NewContour(gridXYZ{g}, levels, nil)
	// Opaque colours only: the PDF canvas draws no transparency.
	contour.LineStyles = []draw.LineStyle{{Color: color.White, Width: vg.Points(0.5)}}
	contour.Min, contour.Max = heat.Min, heat.Max
	p.Add(noGlyphs{contour})

	inBox := func(x []float64) bool {
		return x[0] >= g.XMin && x[0] <= g.XMax && x[1] >= g.YMin && x[1] <= g.YMax
	}
	for i, r := range fig.Runs {
		if len(r.X) == 0 {
			continue
		}
		if err := addPath(p, r.X, vg.Points(4.2), racerStyle(i)); err != nil {
			return nil, err
		}
		first, last := r.X[0], r.X[len(r.X)-1]
		for _, end := range []struct {
			x     []float64
			shape draw.GlyphDrawer
		}{{first, draw.RingGlyph{}}, {last, draw.CircleGlyph{}}} {
			if !inBox(end.x) {
				continue
			}
			e := plotter.XYs{{X: end.x[0], Y: end.x[1]}}
			outline, _ := plotter.NewScatter(e)
			outline.GlyphStyle = draw.GlyphStyle{Color: color.White, Radius: vg.Points(6.5), Shape: draw.CircleGlyph{}}
			dot, _ := plotter.NewScatter(e)
			dot.GlyphStyle = draw.GlyphStyle{Color: trajectoryColors[i%len(trajectoryColors)], Radius: vg.Points(4.5), Shape: end.shape}
			p.Add(outline, dot)
		}
	}
	// Averaged iterates, thin and dotted over every path, a ring at the end.
	for i, r := range fig.Runs {
		if len(r.AvgX) == 0 {
			continue
		}
		if err := addPath(p, r.AvgX, vg.Points(2.4), averagedStyle(i)); err != nil {
			return nil, err
		}
		if last := r.AvgX[len(r.AvgX)-1]; inBox(last) {
			end, _ := plotter.NewScatter(plotter.XYs{{X: last[0], Y: last[1]}})
			end.GlyphStyle = draw.GlyphStyle{Color: trajectoryColors[i%len(trajectoryColors)], Radius: vg.Points(4), Shape: draw.RingGlyph{}}
			p.Add(end)
		}
	}
	// Known stationary points, drawn last so that no path hides them: minima as white stars, saddles as white
	// crosses, maxima as white triangles.
	shapes := map[string]draw.GlyphDrawer{"minimum": draw.CrossGlyph{}, "saddle": draw.PlusGlyph{}, "maximum": draw.TriangleGlyph{}}
	for kind, shape := range shapes {
		var pts plotter.XYs
		for _, c := range l.Critical() {
			if c.Kind == kind && inBox(c.X) {
				pts = append(pts, plotter.XY{X: c.X[0], Y: c.X[1]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		halo, _ := plotter.NewScatter(pts)
		halo.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(6), Shape: shape}
		mark, _ := plotter.NewScatter(pts)
		mark.GlyphStyle = draw.GlyphStyle{Color: color.White, Radius: vg.Points(5), Shape: shape}
		p.Add(halo, mark)
	}

	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = g.XMin, g.XMax, g.YMin, g.YMax
	return p, nil
}

// addPath draws a path in the given style over a white halo of the given
// width.
func addPath(p *plot.Plot, xs [][]float64, halo vg.Length, style draw.LineStyle) error {
	pts := make(plotter.XYs, len(xs))
	for j, x := range xs {
		pts[j] = plotter.XY{X: x[0], Y: x[1]}
	}
	under, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	under.LineStyle = draw.LineStyle{Color: color.White, Width: halo}
	line, _ := plotter.NewLine(pts)
	line.LineStyle = style
	p.Add(under, line)
	return nil
}

func racerStyle(i int) draw.LineStyle {
	s := draw.LineStyle{Color: trajectoryColors[i%len(trajectoryColors)], Width: vg.Points(2.2)}
	if i >= len(trajectoryColors) {
		s.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	}
	return s
}

// averagedStyle is racer i's averaged iterate: its colour, thin and dotted.
func averagedStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: trajectoryColors[i%len(trajectoryColors)], Width: vg.Points(1.4), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}}
}

// lossPlot draws f − f* against iteration on a log axis, f* as the page
// takes it: 0 for a network (its loss is at least 0), else the lowest value
// known (the surface's minima or the best point reached).
func (fig *Figure) lossPlot() *plot.Plot {
	p := plot.New()
	fstar := math.Inf(1)
	for _, c := range fig.Land.Critical() {
		if c.Kind == "minimum" {
			fstar = math.Min(fstar, c.F)
		}
	}
	top := math.Inf(-1)
	for _, r := range fig.Runs {
		for _, f := range append(r.F[:len(r.F):len(r.F)], r.AvgF...) {
			fstar = math.Min(fstar, f)
			top = math.Max(top, f)
		}
	}
	if fig.Land.Network() != nil {
		fstar = 0
	}
	floor := math.Max(1e-16*math.Max(1, math.Abs(top-fstar)), 1e-300)
	p.Title.Text = "f – f* against iteration, f* = " + strconv.FormatFloat(fstar, 'g', 6, 64)
	p.X.Label.Text, p.Y.Label.Text = "iteration", "f – f*"
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, decades{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(24)
	for i, r := range fig.Runs {
		pts := make(plotter.XYs, len(r.F))
		for j, f := range r.F {
			pts[j] = plotter.XY{X: float64(j), Y: math.Max(f-fstar, floor)}
		}
		if len(pts) == 0 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		line.LineStyle = racerStyle(i)
		p.Add(line)
		label := r.Spec
		if r.Status != "running" && r.Status != "" {
			label += "  [" + r.Status + "]"
		}
		p.Legend.Add(label, line)
	}
	for i, r := range fig.Runs { // the averaged iterates' losses, dotted, over the rest
		if len(r.AvgF) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(r.AvgF))
		for j, f := range r.AvgF {
			pts[j] = plotter.XY{X: float64(j), Y: math.Max(f-fstar, floor)}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		line.LineStyle = averagedStyle(i)
		p.Add(line)
		p.Legend.Add(r.Spec+"  (averaged iterate)", line)
	}
	p.X.Min = 0
	if p.Y.Min <= 0 {
		p.Y.Min = floor
	}
	// Head room for the legend: a share of the log axis for its lines.
	rows := len(fig.Runs)
	for _, r := range fig.Runs {
		if len(r.AvgF) > 0 {
			rows++
		}
	}
	if share := 0.05 * float64(rows+1); p.Y.Max > p.Y.Min && share < 0.6 {
		p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, share/(1-share))
	}
	return p
}

// decades marks the powers of ten of a log axis, labelled 0.01 … 1000 and
// 1e-6 beyond, every second or third decade when there are many.
type decades struct{}

func (decades) Ticks(lo, hi float64) []plot.Tick {
	a, b := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	every := 1 + (b-a)/10
	var ticks []plot.Tick
	for k := a; k <= b; k++ {
		v := math.Pow(10, float64(k))
		label := ""
		if (k-a)%every == 0 {
			if k >= -2 && k <= 3 {
				label = strconv.FormatFloat(v, 'f', max(0, -k), 64)
			} else {
				label = "1e" + strconv.Itoa(k)
			}
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}

// svgCanvas is gonum/plot's SVG canvas with its images stretched to the
// rectangles they are drawn in: vgsvg leaves SVG's default
// preserveAspectRatio, which letterboxes a heat map whose grid is square in
// a plot area that is not, inside its axes.
type svgCanvas struct{ *vgsvg.Canvas }

// pngCanvas writes its image as PNG with the fastest compression: a figure
// of flat colours compresses nearly as well that way, and the default took
// a third of an export's time (docs/performance.md).
type pngCanvas struct{ *vgimg.Canvas }

func (c pngCanvas) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(cw, c.Image())
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// noGlyphs is a plotter without glyph boxes: a heat map's or contour's
// glyph boxes are one per grid point (40,401 for a 201×201 grid), which
// the plot's layout walks twice, for a map that fills its axes anyway.
type noGlyphs struct {
	inner interface {
		plot.Plotter
		plot.DataRanger
	}
}

func (g noGlyphs) Plot(c draw.Canvas, p *plot.Plot)            { g.inner.Plot(c, p) }
func (g noGlyphs) DataRange() (xmin, xmax, ymin, ymax float64) { return g.inner.DataRange() }

func (c svgCanvas) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if _, err := c.Canvas.WriteTo(&buf); err != nil {
		return 0, err
	}
	n, err := w.Write(bytes.ReplaceAll(buf.Bytes(), []byte("<image "), []byte(`<image preserveAspectRatio="none" `)))
	return int64(n), err
}

// pdfCanvas is gonum/plot's PDF canvas with its fonts embedded, its text
// written in the code page those fonts are embedded with (vgpdf passes UTF-8
// bytes through, which garbles every character beyond ASCII: the figures'
// texts keep to code page 1252, en dash for minus), and its images the right
// way up (vgpdf draws them upside down in its y-up coordinates).
type pdfCanvas struct {
	*vgpdf.Canvas
	text func(string) string
}

func newPDFCanvas(w, h vg.Length) pdfCanvas {
	c := vgpdf.New(w, h)
	c.EmbedFonts(true)
	return pdfCanvas{Canvas: c, text: fpdf.New("P", "pt", "A4", "").UnicodeTranslatorFromDescriptor("cp1252")}
}

func (c pdfCanvas) FillString(f font.Face, pt vg.Point, s string) {
	c.Canvas.FillString(f, pt, c.text(s))
}

func (c pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	b := img.Bounds()
	flipped := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			flipped.Set(x, b.Max.Y-1-(y-b.Min.Y), img.At(x, y))
		}
	}
	c.Canvas.DrawImage(rect, flipped)
}
