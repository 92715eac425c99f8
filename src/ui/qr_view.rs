//! The QR code widget: one texel per module on a white plate with a quiet zone,
//! drawn at a whole number of pixels per module with nearest filtering, so it
//! stays crisp at any UI scale and in both themes.

use egui::emath::GuiRounding as _;
use egui::{Color32, ColorImage, Rect, Sense, TextureHandle, TextureOptions, Vec2, pos2};

use crate::qr::{DecodedQr, QUIET_ZONE_MODULES, pixels_per_module};

/// A QR code ready to draw.
pub struct QrTexture {
    texture: TextureHandle,
    /// Texels per side, quiet zone included.
    texels: usize,
    /// Whether each texel is one QR module (crisp scaling is possible).
    is_module_grid: bool,
}

/// Uploads the decoded code as a texture. With a readable module grid the
/// texture has one texel per module; otherwise the PNG's own pixels are used.
pub fn qr_texture(context: &egui::Context, decoded: &DecodedQr) -> QrTexture {
    if let Some(modules) = &decoded.modules {
        let texels = modules.side + 2 * QUIET_ZONE_MODULES;
        let mut image = ColorImage::filled([texels, texels], Color32::WHITE);
        for y in 0..modules.side {
            for x in 0..modules.side {
                if modules.is_dark(x, y) {
                    image[(x + QUIET_ZONE_MODULES, y + QUIET_ZONE_MODULES)] = Color32::BLACK;
                }
            }
        }
        QrTexture {
            texture: context.load_texture("enrollment-qr", image, TextureOptions::NEAREST),
            texels,
            is_module_grid: true,
        }
    } else {
        let (width, height) = decoded.pixels.dimensions();
        let image =
            ColorImage::from_gray([width as usize, height as usize], decoded.pixels.as_raw());
        QrTexture {
            texture: context.load_texture("enrollment-qr", image, TextureOptions::LINEAR),
            texels: width.max(height) as usize,
            is_module_grid: false,
        }
    }
}

/// Draws the code no wider than `max_side` points.
pub fn qr_view_ui(ui: &mut egui::Ui, qr: &QrTexture, max_side: f32) -> egui::Response {
    let pixels_per_point = ui.ctx().pixels_per_point();
    let available = ui.available_width().min(max_side);
    let side_points = if qr.is_module_grid {
        let module_pixels = pixels_per_module(
            qr.texels - 2 * QUIET_ZONE_MODULES,
            available * pixels_per_point,
        );
        (module_pixels * qr.texels) as f32 / pixels_per_point
    } else {
        available
    };

    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side_points), Sense::hover());
    let aligned = Rect::from_min_size(rect.min.round_to_pixels(pixels_per_point), rect.size());
    ui.painter().image(
        qr.texture.id(),
        aligned,
        Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
        Color32::WHITE,
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "QR code"));
    response
}
