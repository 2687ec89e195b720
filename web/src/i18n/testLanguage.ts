// For the unit tests that read the application's words: English, whatever the language of the
// machine they run on (Node 21 and later give navigator.languages from the system's locale).
// Imported before the module under test.
import i18n from './index';

void i18n.changeLanguage('en');
