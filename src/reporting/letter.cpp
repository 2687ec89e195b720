#include "reporting/letter.hpp"

#include <algorithm>
#include <array>

namespace vireo::reporting {

namespace {

// From the most urgent for the patient to the least.
constexpr std::array<std::string_view, 10> kUrgency = {"5", "4C", "4B", "4A", "4", "6", "0", "3", "2", "1"};

enum class Group { Normal, ProbablyBenign, Incomplete, Suspicious, Known };

Group group_of(std::string_view a) {
  if (a == "0") return Group::Incomplete;
  if (a == "3") return Group::ProbablyBenign;
  if (a == "6") return Group::Known;
  if (a.starts_with("4") || a == "5") return Group::Suspicious;
  return Group::Normal;
}

struct Words {
  const char* title;
  const char* found_heading;
  const char* next_heading;
  const char* found[5];  // by Group
  const char* next[5];
  const char* always;    // what every letter says
  const char* closing;
};

constexpr Words kEn = {
    "Your breast imaging result",
    "What your exam showed",
    "What happens next",
    {"Your breast imaging shows no sign of cancer. Anything seen is normal or benign (not cancer).",
     "Your breast imaging shows a finding that is very likely benign (not cancer).",
     "Your breast imaging needs more pictures or a comparison with earlier exams before the result is complete. "
     "This is common, and most women who are asked back do not have cancer.",
     "Your breast imaging shows a finding that needs a closer look with a biopsy (a small sample of tissue) to find "
     "out whether it is cancer. Most biopsies show that the finding is not cancer.",
     "Your breast imaging shows the cancer that was already found by a biopsy."},
    {"Keep having breast imaging as your doctor advises for your age and history.",
     "To be sure that it does not change, a follow-up exam in about 6 months is recommended. Please book it.",
     "Please contact us as soon as you can to arrange the further imaging.",
     "Your doctor has been told. Please contact your doctor, or us, promptly to arrange the biopsy.",
     "Your doctor will talk with you about your treatment."},
    "If you feel a lump or notice any other change in your breasts, see your doctor whatever this letter says.",
    "The full report, signed by {radiologist} on {date}, has been sent to the doctor who asked for your exam."};

constexpr Words kEs = {
    "Resultado de su estudio de mama",
    "Qué ha mostrado su estudio",
    "Qué sigue ahora",
    {"Su estudio de mama no muestra signos de cáncer. Lo que se ha visto es normal o benigno (no es cáncer).",
     "Su estudio de mama muestra un hallazgo que muy probablemente es benigno (no es cáncer).",
     "Su estudio de mama necesita más imágenes o compararse con estudios anteriores para completar el resultado. "
     "Es frecuente, y la mayoría de las mujeres a las que se cita de nuevo no tienen cáncer.",
     "Su estudio de mama muestra un hallazgo que hay que estudiar con una biopsia (una pequeña muestra de tejido) para "
     "saber si es cáncer. La mayoría de las biopsias muestran que no lo es.",
     "Su estudio de mama muestra el cáncer ya diagnosticado por biopsia."},
    {"Siga haciéndose los estudios de mama que su médico le aconseje según su edad y sus antecedentes.",
     "Para asegurarse de que no cambia, se recomienda un control en unos 6 meses. Pida cita, por favor.",
     "Póngase en contacto con nosotros lo antes posible para programar las imágenes adicionales.",
     "Su médico ya lo sabe. Póngase en contacto con su médico, o con nosotros, cuanto antes para programar la biopsia.",
     "Su médico hablará con usted sobre el tratamiento."},
    "Si nota un bulto o cualquier otro cambio en las mamas, consulte a su médico diga lo que diga esta carta.",
    "El informe completo, firmado por {radiologist} el {date}, se ha enviado al médico que pidió su estudio."};

constexpr Words kCa = {
    "Resultat del vostre estudi de mama",
    "Què ha mostrat el vostre estudi",
    "Què ve ara",
    {"El vostre estudi de mama no mostra signes de càncer. El que s'hi ha vist és normal o benigne (no és càncer).",
     "El vostre estudi de mama mostra una troballa que molt probablement és benigna (no és càncer).",
     "El vostre estudi de mama necessita més imatges o comparar-se amb estudis anteriors per completar el resultat. "
     "És freqüent, i la majoria de les dones a qui es torna a citar no tenen càncer.",
     "El vostre estudi de mama mostra una troballa que cal estudiar amb una biòpsia (una petita mostra de teixit) per "
     "saber si és càncer. La majoria de les biòpsies mostren que no ho és.",
     "El vostre estudi de mama mostra el càncer ja diagnosticat per biòpsia."},
    {"Continueu fent-vos els estudis de mama que el vostre metge us aconselli segons la vostra edat i els vostres "
     "antecedents.",
     "Per assegurar que no canvia, es recomana un control d'aquí a uns 6 mesos. Demaneu hora, si us plau.",
     "Poseu-vos en contacte amb nosaltres tan aviat com pugueu per programar les imatges addicionals.",
     "El vostre metge ja ho sap. Poseu-vos en contacte amb el vostre metge, o amb nosaltres, tan aviat com pugueu per "
     "programar la biòpsia.",
     "El vostre metge parlarà amb vós del tractament."},
    "Si noteu un bony o qualsevol altre canvi a les mames, consulteu el vostre metge digui el que digui aquesta carta.",
    "L'informe complet, signat per {radiologist} el {date}, s'ha enviat al metge que va demanar el vostre estudi."};

}  // namespace

std::string letter_assessment(const ReportContent& content) {
  size_t best = kUrgency.size();
  for (const CodedFinding& f : content.findings) {
    if (f.system != "birads") continue;
    const std::string a = f.value("assessment");
    auto it = std::ranges::find(kUrgency, std::string_view(a));
    if (it != kUrgency.end()) best = std::min(best, static_cast<size_t>(it - kUrgency.begin()));
  }
  return best == kUrgency.size() ? std::string() : std::string(kUrgency[best]);
}

LetterText letter_text(std::string_view assessment, std::string_view language) {
  const Words& w = language == "es" ? kEs : language == "ca" ? kCa : kEn;
  const auto g = static_cast<size_t>(group_of(assessment));
  return {w.title,
          {{w.found_heading, w.found[g]}, {w.next_heading, std::string(w.next[g]) + "\n\n" + w.always}},
          w.closing};
}

}  // namespace vireo::reporting
