// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Dialogs
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import org.kde.kirigamiaddons.formcard as FormCard
import org.hearthapp.hearth

// Every setting, bound to AppSettings (saved the moment it changes).
FormCard.FormCardPage {
    id: page

    objectName: "settingsPage"
    title: i18nc("@title", "Settings")

    FormCard.FormHeader {
        title: i18nc("@title:group", "Performance")
    }
    FormCard.FormCard {
        FormCard.FormSpinBoxDelegate {
            objectName: "threads"
            label: i18nc("@label:spinbox", "Threads")
            from: 0
            to: 256
            value: AppSettings.threads
            textFromValue: (value, locale) => value === 0 ? i18nc("@item:inrange number of threads", "Automatic") : Number(value).toLocaleString(locale, 'f', 0)
            valueFromText: (text, locale) => text === i18nc("@item:inrange number of threads", "Automatic") ? 0 : Number.fromLocaleString(locale, text)
            onValueChanged: AppSettings.threads = value
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormSpinBoxDelegate {
            objectName: "contextSize"
            label: i18nc("@label:spinbox", "Context size (tokens)")
            from: 128
            to: 131072
            stepSize: 512
            value: AppSettings.contextSize
            onValueChanged: AppSettings.contextSize = value
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormComboBoxDelegate {
            objectName: "kvCacheType"
            text: i18nc("@label:listbox", "Attention cache precision")
            description: i18n("F16 halves the memory of F32 at no visible cost; Q8_0 halves it again.")
            model: ["F16", "F32", "Q8_0"]
            currentIndex: AppSettings.kvCacheType
            onActivated: index => AppSettings.kvCacheType = index
        }
        FormCard.FormTextDelegate {
            text: i18n("Threads, context size and cache precision apply when a model is loaded next.")
            textItem.font: Kirigami.Theme.smallFont
        }
    }

    FormCard.FormHeader {
        title: i18nc("@title:group", "Generation")
    }
    FormCard.FormCard {
        DecimalSpinBoxDelegate {
            objectName: "temperature"
            label: i18nc("@label:spinbox", "Temperature (0: always the most likely word)")
            realFrom: 0
            realTo: 5
            realValue: AppSettings.temperature
            onEdited: value => AppSettings.temperature = value
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Top-k (0: off)")
            from: 0
            to: 1000
            value: AppSettings.topK
            onValueChanged: AppSettings.topK = value
        }
        FormCard.FormDelegateSeparator {}
        DecimalSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Top-p (1: off)")
            realFrom: 0
            realTo: 1
            realStep: 0.01
            realValue: AppSettings.topP
            onEdited: value => AppSettings.topP = value
        }
        FormCard.FormDelegateSeparator {}
        DecimalSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Min-p (0: off)")
            realFrom: 0
            realTo: 1
            realStep: 0.01
            realValue: AppSettings.minP
            onEdited: value => AppSettings.minP = value
        }
        FormCard.FormDelegateSeparator {}
        DecimalSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Repetition penalty (1: off)")
            realFrom: 1
            realTo: 2
            realValue: AppSettings.repeatPenalty
            onEdited: value => AppSettings.repeatPenalty = value
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Longest reply (tokens)")
            from: 1
            to: 65536
            stepSize: 64
            value: AppSettings.maxTokens
            onValueChanged: AppSettings.maxTokens = value
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Seed (0: random)")
            from: 0
            to: 2147483647
            value: AppSettings.seed
            onValueChanged: AppSettings.seed = value
        }
    }

    FormCard.FormHeader {
        title: i18nc("@title:group", "Conversations")
    }
    FormCard.FormCard {
        FormCard.FormTextAreaDelegate {
            objectName: "systemPrompt"
            label: i18nc("@label:textbox", "Default system prompt")
            placeholderText: i18nc("@info:placeholder", "For example: You are a helpful assistant.")
            text: AppSettings.systemPrompt
            onTextChanged: AppSettings.systemPrompt = text
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormComboBoxDelegate {
            objectName: "historyPolicy"
            text: i18nc("@label:listbox", "When a conversation outgrows the context")
            model: [i18nc("@item:inlistbox", "Forget the oldest messages"),
                    i18nc("@item:inlistbox", "Keep the beginning, forget the middle"),
                    i18nc("@item:inlistbox", "Stop and say so")]
            currentIndex: AppSettings.historyPolicy
            onActivated: index => AppSettings.historyPolicy = index
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormSpinBoxDelegate {
            label: i18nc("@label:spinbox", "Context kept free for the reply (tokens)")
            from: 16
            to: 65536
            stepSize: 64
            value: AppSettings.replyReserve
            onValueChanged: AppSettings.replyReserve = value
        }
        FormCard.FormDelegateSeparator {}
        FormCard.FormComboBoxDelegate {
            objectName: "templateFamily"
            text: i18nc("@label:listbox", "Chat template")
            description: i18n("How messages are laid out for the model. Automatic uses the model's own template.")
            model: AppSettings.templateFamilies().map(name => name.length === 0 ? i18nc("@item:inlistbox chat template", "Automatic") : name)
            currentIndex: Math.max(0, AppSettings.templateFamilies().indexOf(AppSettings.templateFamily))
            onActivated: index => AppSettings.templateFamily = AppSettings.templateFamilies()[index]
        }
    }

    FormCard.FormHeader {
        title: i18nc("@title:group", "Models")
    }
    FormCard.FormCard {
        FormCard.FormButtonDelegate {
            objectName: "modelsFolder"
            text: i18nc("@label", "Models folder")
            description: AppSettings.modelsFolder
            icon.name: "folder-open"
            onClicked: folderDialog.open()
        }
        Repeater {
            model: AppSettings.extraModelFolders
            delegate: FormCard.FormButtonDelegate {
                required property string modelData
                text: modelData
                description: i18nc("@info", "Also searched for models; click to stop searching it")
                icon.name: "list-remove"
                onClicked: AppSettings.extraModelFolders = AppSettings.extraModelFolders.filter(folder => folder !== modelData)
            }
        }
        FormCard.FormButtonDelegate {
            text: i18nc("@action:button", "Add Another Folder…")
            icon.name: "list-add"
            onClicked: extraFolderDialog.open()
        }
    }

    FormCard.FormCard {
        Layout.topMargin: Kirigami.Units.largeSpacing * 2
        FormCard.FormButtonDelegate {
            objectName: "resetDefaults"
            text: i18nc("@action:button", "Restore Defaults")
            description: i18n("Every setting above except the model folders")
            icon.name: "edit-undo"
            onClicked: AppSettings.resetToDefaults()
        }
    }

    FolderDialog {
        id: folderDialog
        currentFolder: "file://" + AppSettings.modelsFolder
        onAccepted: AppSettings.modelsFolder = decodeURIComponent(selectedFolder.toString().replace(/^file:\/\//, ""))
    }
    FolderDialog {
        id: extraFolderDialog
        onAccepted: ModelManager.addFolder(selectedFolder.toString())
    }
}
