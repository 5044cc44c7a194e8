// SPDX-License-Identifier: MIT
#include "FindBar.h"

#include <Qsci/qsciscintilla.h>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QToolButton>

namespace quarry {

FindBar::FindBar(QsciScintilla* editor, QWidget* parent) : QWidget(parent), editor_(editor) {
    setObjectName(QStringLiteral("findBar"));
    find_ = new QLineEdit(this);
    find_->setObjectName(QStringLiteral("findText"));
    find_->setPlaceholderText(tr("Find"));
    find_->setClearButtonEnabled(true);
    replace_ = new QLineEdit(this);
    replace_->setObjectName(QStringLiteral("replaceText"));
    replace_->setPlaceholderText(tr("Replace with"));
    case_ = new QCheckBox(tr("Aa"), this);
    case_->setToolTip(tr("Match case"));
    word_ = new QCheckBox(tr("Word"), this);
    word_->setToolTip(tr("Whole words only"));
    regex_ = new QCheckBox(tr(".*"), this);
    regex_->setToolTip(tr("Regular expression"));
    count_ = new QLabel(this);
    count_->setObjectName(QStringLiteral("findCount"));
    count_->setMinimumWidth(80);

    auto button = [this](const QString& text, const QString& tip, auto slot) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, this, slot);
        return b;
    };
    auto* findRow = new QHBoxLayout;
    findRow->addWidget(find_, 1);
    findRow->addWidget(button(tr("\u2191"), tr("Previous match (Shift+Enter)"), [this] { findNext(false); }));
    findRow->addWidget(button(tr("\u2193"), tr("Next match (Enter)"), [this] { findNext(true); }));
    findRow->addWidget(case_);
    findRow->addWidget(word_);
    findRow->addWidget(regex_);
    findRow->addWidget(count_);
    findRow->addWidget(button(tr("\u2715"), tr("Close (Esc)"), [this] {
        hide();
        editor_->setFocus();
    }));
    replaceRow_ = new QWidget(this);
    auto* rr = new QHBoxLayout(replaceRow_);
    rr->setContentsMargins(0, 0, 0, 0);
    rr->addWidget(replace_, 1);
    rr->addWidget(button(tr("Replace"), tr("Replace this match and find the next"), [this] { replaceOne(); }));
    rr->addWidget(button(tr("Replace all"), tr("Replace every match (one undo step)"), [this] { replaceAll(); }));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(2);
    layout->addLayout(findRow);
    layout->addWidget(replaceRow_);

    connect(find_, &QLineEdit::textEdited, this, [this] {
        // Search from the start of the selection as the user types, so the match grows in place.
        int l0, i0, l1, i1;
        editor_->getSelection(&l0, &i0, &l1, &i1);
        if (l0 >= 0) editor_->setCursorPosition(l0, i0);
        findNext(true);
    });
    connect(find_, &QLineEdit::returnPressed, this, [this] { findNext(!(QApplication::keyboardModifiers() & Qt::ShiftModifier)); });
    connect(replace_, &QLineEdit::returnPressed, this, &FindBar::replaceOne);
    for (QCheckBox* c : {case_, word_, regex_}) connect(c, &QCheckBox::toggled, this, &FindBar::updateCount);
    // Esc closes the bar. Not as a shortcut: the tab's Cancel (Esc) is one too, and with both
    // Qt found Esc ambiguous and did neither. The bar's fields take Esc for themselves.
    for (QWidget* w : findChildren<QWidget*>()) w->installEventFilter(this);
    hide();
}

bool FindBar::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Escape && key->modifiers() == Qt::NoModifier) {
            event->accept();
            if (event->type() == QEvent::KeyPress) {
                hide();
                editor_->setFocus();
            }
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void FindBar::setOptions(bool caseSensitive, bool wholeWord, bool regex) {
    case_->setChecked(caseSensitive);
    word_->setChecked(wholeWord);
    regex_->setChecked(regex);
}

void FindBar::openFind() {
    replaceRow_->hide();
    show();
    if (editor_->hasSelectedText() && !editor_->selectedText().contains(QLatin1Char('\n'))) find_->setText(editor_->selectedText());
    find_->setFocus();
    find_->selectAll();
    updateCount();
}

void FindBar::openReplace() {
    openFind();
    replaceRow_->show();
    if (!find_->text().isEmpty()) replace_->setFocus();
}

bool FindBar::findNext(bool forward) {
    const QString text = find_->text();
    if (text.isEmpty()) {
        updateCount();
        return false;
    }
    int line, index;
    editor_->getCursorPosition(&line, &index);
    if (!forward && editor_->hasSelectedText()) {
        int l0, i0, l1, i1;
        editor_->getSelection(&l0, &i0, &l1, &i1);
        line = l0, index = i0;
    }
    const bool found = editor_->findFirst(text, regex_->isChecked(), case_->isChecked(), word_->isChecked(), true, forward,
                                          forward ? -1 : line, forward ? -1 : index, true, false, true); // ECMAScript regex
    find_->setStyleSheet(found ? QString() : QStringLiteral("background: #fbe3e3"));
    updateCount();
    return found;
}

void FindBar::replaceOne() {
    if (find_->text().isEmpty()) return;
    if (editor_->hasSelectedText()) {
        // Only when the selection is a match: otherwise find one first.
        const auto [total, current] = count();
        if (current > 0) editor_->replace(replace_->text());
    }
    findNext(true);
}

int FindBar::replaceAll() {
    const QString text = find_->text();
    if (text.isEmpty()) return 0;
    int n = 0;
    editor_->beginUndoAction();
    editor_->setCursorPosition(0, 0);
    int lastLine = -1, lastIndex = -1;
    while (editor_->findFirst(text, regex_->isChecked(), case_->isChecked(), word_->isChecked(), false, true, -1, -1, false, false, true)) {
        int l0, i0, l1, i1;
        editor_->getSelection(&l0, &i0, &l1, &i1);
        if (l0 == lastLine && i0 == lastIndex && i0 == i1) break; // an empty regex match that would loop
        editor_->replace(replace_->text());
        editor_->getCursorPosition(&lastLine, &lastIndex);
        ++n;
        if (n > 1'000'000) break;
    }
    editor_->endUndoAction();
    count_->setText(tr("%n replaced", nullptr, n));
    return n;
}

std::pair<int, int> FindBar::count() const {
    const QString text = find_->text();
    if (text.isEmpty()) return {0, 0};
    QString pattern = regex_->isChecked() ? text : QRegularExpression::escape(text);
    if (word_->isChecked()) pattern = QStringLiteral("\\b(?:") + pattern + QStringLiteral(")\\b");
    const QRegularExpression re(pattern, case_->isChecked() ? QRegularExpression::NoPatternOption : QRegularExpression::CaseInsensitiveOption);
    if (!re.isValid()) return {0, 0};
    // The selection as a character offset in the whole text.
    int l0, i0, l1, i1, selStart = -1;
    editor_->getSelection(&l0, &i0, &l1, &i1);
    if (l0 >= 0) {
        const long pos = editor_->positionFromLineIndex(l0, i0);
        selStart = QString::fromUtf8(editor_->text().toUtf8().left(static_cast<int>(pos))).size();
    }
    int total = 0, current = 0;
    auto it = re.globalMatch(editor_->text());
    while (it.hasNext()) {
        const auto m = it.next();
        if (m.capturedLength() == 0) continue;
        ++total;
        if (m.capturedStart() == selStart && editor_->selectedText() == m.captured()) current = total;
    }
    return {total, current};
}

QString FindBar::countText() const { return count_->text(); }

void FindBar::updateCount() {
    const auto [total, current] = count();
    if (find_->text().isEmpty()) count_->clear();
    else if (total == 0) count_->setText(tr("no match"));
    else if (current > 0) count_->setText(tr("%1 of %2").arg(current).arg(total));
    else count_->setText(tr("%n match(es)", nullptr, total));
}

} // namespace quarry
