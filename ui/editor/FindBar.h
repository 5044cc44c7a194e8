// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QsciScintilla;

namespace quarry {

/// Find and replace over a QScintilla editor: Ctrl+F opens it on the find field, Ctrl+H on the
/// replace field; Enter and Shift+Enter go to the next and previous match; case, whole word
/// and regular expression switches; "3 of 12" tells where you are; Escape closes it. Replace
/// all is one undo step.
class FindBar : public QWidget {
    Q_OBJECT
public:
    explicit FindBar(QsciScintilla* editor, QWidget* parent = nullptr);

    void openFind();
    void openReplace();
    QLineEdit* findEdit() const { return find_; }
    QLineEdit* replaceEdit() const { return replace_; }
    void setOptions(bool caseSensitive, bool wholeWord, bool regex);

    bool findNext(bool forward = true);
    /// Replaces the current match (if the selection is one) and moves to the next.
    void replaceOne();
    /// Replaces every match; returns how many.
    int replaceAll();
    /// Matches of the find text in the whole editor, and which one the selection is (1-based, 0 if none).
    std::pair<int, int> count() const;
    QString countText() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateCount();

    QsciScintilla* editor_;
    QLineEdit* find_;
    QLineEdit* replace_;
    QWidget* replaceRow_;
    QCheckBox* case_;
    QCheckBox* word_;
    QCheckBox* regex_;
    QLabel* count_;
};

} // namespace quarry
